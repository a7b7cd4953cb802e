/** The console's broadcast pages: list and compose, one broadcast with preview, actions and live progress. */
import { html, raw } from './html.js';
import { layout, type PageCtx } from './views.js';
import { STATUS_VI, type AudiencePreview, type BroadcastProgress, type BroadcastView, type ValidationIssue } from '../broadcasts/broadcast.service.js';
import { formatCount } from '../shared/format.js';
import { formatDateTimeVi } from '../calendar/local-date.js';

/** The state as a label ("Đang gửi"): the service's words, capitalised. */
export const STATUS_TEXT: Record<string, string> = Object.fromEntries(Object.entries(STATUS_VI).map(([k, v]) => [k, v[0]!.toLocaleUpperCase('vi-VN') + v.slice(1)]));
const CHANNEL: Record<string, string> = { web: 'Trang trò chuyện', telegram: 'Telegram', zalo: 'Zalo' };

export interface ComposeValues {
  titleVi?: string;
  textVi?: string;
  textEn?: string;
  citizens?: boolean;
  officers?: boolean;
  areaCode?: string;
  program?: string;
  group?: string;
  stage?: string;
  allowZns?: boolean;
  buttons?: { labelVi: string; kind: string; target: string }[];
}

function duration(seconds: number): string {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} giây`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} phút`;
  return `${Math.floor(seconds / 3600)} giờ ${Math.round((seconds % 3600) / 60)} phút`;
}

export function broadcastsPage(ctx: PageCtx, o: { list: BroadcastView[]; programs: { code: string }[]; values?: ComposeValues; issues?: ValidationIssue[] }): string {
  const v: ComposeValues = o.values ?? { citizens: true };
  const issue = (field: string) => o.issues?.filter((i) => i.field === field || i.field.startsWith(`${field}.`) || i.field.startsWith(`${field}[`)).map((i) => html`<span class="err-text">${i.message}</span>`);
  const buttons = [...(v.buttons ?? []), { labelVi: '', kind: 'faq', target: '' }, { labelVi: '', kind: 'faq', target: '' }, { labelVi: '', kind: 'faq', target: '' }].slice(0, 3);
  return layout('Thông báo chung', ctx, html`
<form method="post" action="/admin/broadcasts" class="card" data-once>
  <h2>Soạn thông báo</h2>
  ${o.issues?.length ? html`<p class="flash error" role="alert">${o.issues.map((i) => i.message).join(' ')}</p>` : ''}
  <input type="hidden" name="_csrf" value="${ctx.csrf}">
  <label>Tiêu đề (không bắt buộc) <input name="titleVi" maxlength="120" value="${v.titleVi ?? ''}"></label>
  <label>Nội dung tiếng Việt (gửi nguyên văn, không định dạng HTML) ${issue('textVi')}<textarea name="textVi" maxlength="20000" required>${v.textVi ?? ''}</textarea></label>
  <label>Nội dung tiếng Anh (không bắt buộc; người dùng chọn tiếng Anh sẽ nhận bản này) ${issue('textEn')}<textarea name="textEn" maxlength="20000">${v.textEn ?? ''}</textarea></label>
  <fieldset><legend>Nút (tối đa 3) ${issue('buttons')}</legend>
  ${buttons.map((b, i) => html`<div class="row"><input name="button${i}Label" placeholder="Nhãn nút" maxlength="30" value="${b.labelVi}">
    <select name="button${i}Kind"><option value="faq"${b.kind === 'faq' ? raw(' selected') : ''}>Câu trả lời hỏi đáp (mã)</option><option value="link"${b.kind === 'link' ? raw(' selected') : ''}>Đường dẫn https (trang .gov.vn)</option></select>
    <input name="button${i}Target" placeholder="mã hỏi đáp hoặc https://…gov.vn/…" value="${b.target}"></div>`)}
  </fieldset>
  <fieldset><legend>Người nhận ${issue('audience')}</legend>
    <label class="check"><input type="checkbox" name="citizens" value="1"${v.citizens ? raw(' checked') : ''}> Người dân đã bật nhận thông báo</label>
    <label class="check"><input type="checkbox" name="officers" value="1"${v.officers ? raw(' checked') : ''}> Cán bộ</label>
    <label>Địa bàn (mã đơn vị; để trống = toàn bộ phạm vi của anh/chị) <input name="areaCode" inputmode="numeric" value="${v.areaCode ?? ''}"></label>
    <label>Chương trình <select name="program"><option value="">Tất cả</option>${o.programs.map((p) => html`<option${p.code === v.program ? raw(' selected') : ''}>${p.code}</option>`)}</select></label>
    <label>Nhóm đối tượng (mã, không bắt buộc) <input name="group" value="${v.group ?? ''}"></label>
    <label>Trạng thái hồ sơ (mã, không bắt buộc) <input name="stage" value="${v.stage ?? ''}"></label>
    <label class="check"><input type="checkbox" name="allowZns" value="1"${v.allowZns ? raw(' checked') : ''}> Gửi tin ZNS qua số điện thoại cho người dùng Zalo ngoài thời hạn 7 ngày (có tính phí)</label>
  </fieldset>
  <button>Lưu và xem trước</button>
</form>
<h2>Các thông báo</h2>
<div class="scroll"><table><thead><tr><th>#</th><th>Tiêu đề / nội dung</th><th>Trạng thái</th><th class="n">Người nhận</th><th>Người tạo</th><th>Lúc tạo</th></tr></thead>
<tbody>${o.list.map((b) => html`<tr><td><a href="/admin/broadcasts/${b.id}">${b.id}</a></td><td>${b.titleVi ?? b.textVi.slice(0, 80)}</td><td>${STATUS_TEXT[b.status] ?? b.status}</td><td class="n">${b.total === null ? '' : formatCount(b.total)}</td><td>${b.createdBy}</td><td>${formatDateTimeVi(b.createdAt)}</td></tr>`)}</tbody></table></div>`);
}

export function broadcastPage(ctx: PageCtx, o: { b: BroadcastView; preview: AudiencePreview | null; progress: BroadcastProgress; rendered: string }): string {
  const { b, preview, progress } = o;
  const done = ['done', 'cancelled', 'draft', 'scheduled'].includes(b.status);
  const act = (action: string, label: string, cls = '') => html`<form method="post" action="/admin/broadcasts/${b.id}/${action}" class="inline" data-once><input type="hidden" name="_csrf" value="${ctx.csrf}"><button class="${cls}">${label}</button></form>`;
  const all = progress.all;
  const planned = progress.planned ?? all.total;
  const finished = all.total - all.queued;
  return layout(`Thông báo #${b.id}`, ctx, html`
<section class="card">
  <p>Trạng thái: <b data-field="status">${STATUS_TEXT[b.status] ?? b.status}</b>${b.scheduledAt && b.status === 'scheduled' ? html` · gửi lúc ${formatDateTimeVi(b.scheduledAt)}` : ''} · mã xác thực <b class="mono">${b.verifyCode}</b></p>
  <h2>Tin sẽ gửi (tiếng Việt)</h2>
  <pre class="message">${o.rendered}</pre>
  ${preview ? html`<h2>Người nhận dự kiến</h2>
  <table><thead><tr><th>Kênh</th><th class="n">Số người nhận</th><th class="n">Ngoài thời hạn miễn phí</th></tr></thead>
  <tbody>${Object.entries(preview.perChannel).map(([ch, n]) => html`<tr><td>${CHANNEL[ch] ?? ch}</td><td class="n">${formatCount(n)}</td><td class="n">${formatCount(preview.outsideWindow[ch] ?? 0)}</td></tr>`)}</tbody>
  <tfoot><tr><th>Tổng</th><th class="n" data-preview-total>${formatCount(preview.total)}</th><th class="n">${formatCount(preview.unreachable)} không gửi được</th></tr></tfoot></table>
  <p>Thời gian gửi ước tính ở giới hạn của các nền tảng: <b>${duration(preview.estimatedSeconds)}</b> (trang trò chuyện nhận khi người dân mở trang).</p>` : ''}
  <p class="actions">
    ${b.status === 'draft' || b.status === 'scheduled' ? html`${act('send', 'Gửi ngay')}
      <form method="post" action="/admin/broadcasts/${b.id}/schedule" class="inline" data-once><input type="hidden" name="_csrf" value="${ctx.csrf}"><input type="datetime-local" name="at" required> <button class="secondary">Hẹn giờ gửi</button></form>` : ''}
    ${b.status === 'sending' ? act('pause', 'Tạm dừng', 'secondary') : ''}
    ${b.status === 'paused' ? act('resume', 'Tiếp tục gửi') : ''}
    ${['draft', 'scheduled', 'sending', 'paused'].includes(b.status) ? act('cancel', 'Hủy', 'secondary') : ''}
  </p>
</section>
<section class="card" data-broadcast="${b.id}" data-done="${done ? '1' : '0'}">
  <h2>Tiến độ</h2>
  <progress data-field="progress" max="100" value="${planned ? Math.round((100 * finished) / planned) : 0}"></progress>
  <table><thead><tr><th>Kênh</th><th class="n">Đã gửi</th><th class="n">ZNS</th><th class="n">Chờ gửi</th><th class="n">Lỗi</th><th class="n">Đã chặn bot</th><th class="n">Không gửi được</th><th class="n">Đã hủy</th></tr></thead>
  <tbody>${Object.entries(progress.perChannel).map(([ch, c]) => html`<tr><td>${CHANNEL[ch] ?? ch}</td><td class="n">${formatCount(c.sent)}</td><td class="n">${formatCount(c.zns)}</td><td class="n">${formatCount(c.queued)}</td><td class="n">${formatCount(c.failed)}</td><td class="n">${formatCount(c.blocked)}</td><td class="n">${formatCount(c.unreachable)}</td><td class="n">${formatCount(c.cancelled)}</td></tr>`)}</tbody>
  <tfoot><tr><th>Tổng</th><th class="n" data-count="sent">${formatCount(all.sent)}</th><th class="n" data-count="zns">${formatCount(all.zns)}</th><th class="n" data-count="queued">${formatCount(all.queued)}</th><th class="n" data-count="failed">${formatCount(all.failed)}</th><th class="n" data-count="blocked">${formatCount(all.blocked)}</th><th class="n" data-count="unreachable">${formatCount(all.unreachable)}</th><th class="n" data-count="cancelled">${formatCount(all.cancelled)}</th></tr></tfoot></table>
</section>`);
}
