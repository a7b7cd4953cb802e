/**
 * The console's pages, in Vietnamese, as plain server-rendered HTML that works on an office
 * PC and a phone (one CSS file, one small script for live progress; no inline script, so the
 * strict Content-Security-Policy holds).
 */
import { html, raw, type Html } from './html.js';
import { can, type AdminUser, type Page } from './admin-auth.js';
import { paidPercent, type ProgressReport, type ProgressRow } from '../reports/progress-report.js';
import type { AuditRow, BacklogByArea, ImportRowView, OfficerRow, TicketRow } from './console-data.js';
import { formatCount, formatPercent, formatVnd } from '../shared/format.js';
import { formatDateTimeVi, formatVi, type LocalDate } from '../calendar/local-date.js';

const NAV: [Page, string, string][] = [
  ['dashboard', '/admin', 'Tổng quan'],
  ['imports', '/admin/imports', 'Nhập danh sách'],
  ['broadcasts', '/admin/broadcasts', 'Thông báo chung'],
  ['officers', '/admin/officers', 'Cán bộ'],
  ['tickets', '/admin/tickets', 'Yêu cầu hỗ trợ'],
  ['audit', '/admin/audit', 'Nhật ký'],
  ['queues', '/admin/queues', 'Hàng đợi'],
];

const ROLE_VI: Record<string, string> = { admin: 'Quản trị', province: 'Cấp tỉnh', district: 'Cấp huyện', commune: 'Cấp xã (xem)' };

export interface PageCtx {
  user: AdminUser;
  csrf: string;
  current: Page;
  flash?: { kind: 'ok' | 'error'; text: string } | null;
}

export function layout(title: string, ctx: PageCtx | null, body: Html): string {
  const nav = ctx
    ? html`<nav class="nav">${NAV.filter(([p]) => can(ctx.user, p)).map(([p, href, label]) => html`<a href="${href}"${p === ctx.current ? raw(' aria-current="page"') : ''}>${label}</a>`)}</nav>
      <div class="who">${ctx.user.name} · ${ROLE_VI[ctx.user.role]} · ${ctx.user.area.name}
        <form method="post" action="/admin/logout" class="inline"><input type="hidden" name="_csrf" value="${ctx.csrf}"><button class="link">Đăng xuất</button></form></div>`
    : '';
  return html`<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ansinh</title><link rel="stylesheet" href="/admin/static/console.css"><script src="/admin/static/console.js" defer></script></head>
<body><header class="top"><a class="brand" href="/admin">ansinh</a>${nav}</header>
<main>${ctx?.flash ? html`<p class="flash ${ctx.flash.kind}" role="status">${ctx.flash.text}</p>` : ''}<h1>${title}</h1>${body}</main></body></html>`.value;
}

export function loginPage(o: { csrf: string; error?: string; next?: string; username?: string }): string {
  return layout('Đăng nhập', null, html`
<form method="post" action="/admin/login" class="card narrow" data-once>
  ${o.error ? html`<p class="flash error" role="alert">${o.error}</p>` : ''}
  <input type="hidden" name="_csrf" value="${o.csrf}"><input type="hidden" name="next" value="${o.next ?? ''}">
  <label>Tên đăng nhập <input name="username" autocomplete="username" required value="${o.username ?? ''}"></label>
  <label>Mật khẩu <input name="password" type="password" autocomplete="current-password" required></label>
  <button>Đăng nhập</button>
</form>`);
}

/** A percentage already computed (0-100), as the report's files print it: 97,3%. */
const pct = (n: number) => formatPercent(n, 100);

/** Horizontal bars of % paid per area: inline SVG, no chart library. */
function paidChart(rows: { label: string; percent: number; paid: number; approved: number }[]): Html {
  if (rows.length === 0) return html``;
  const h = 22;
  const height = rows.length * h + 10;
  return html`<svg class="chart" viewBox="0 0 600 ${height}" role="img" aria-label="Tỷ lệ chi trả theo đơn vị">
${rows.map((r, i) => html`<g transform="translate(0 ${i * h + 4})"><text x="0" y="14" class="lbl">${r.label.slice(0, 28)}</text>
<rect x="200" y="2" width="${Math.round(3.2 * Math.min(100, r.percent))}" height="16" class="bar"><title>${r.label}: ${formatCount(r.paid)}/${formatCount(r.approved)}</title></rect>
<text x="${205 + Math.round(3.2 * Math.min(100, r.percent))}" y="14" class="val">${pct(r.percent)}</text></g>`)}
</svg>`;
}

function byArea(rows: ProgressRow[]) {
  const m = new Map<string, { label: string; paid: number; approved: number }>();
  for (const r of rows) {
    const a = m.get(r.area.code) ?? { label: r.area.name, paid: 0, approved: 0 };
    a.paid += r.paid;
    a.approved += r.approved;
    m.set(r.area.code, a);
  }
  return [...m.values()].map((a) => ({ ...a, percent: paidPercent(a.paid, a.approved) }));
}

export function dashboardPage(ctx: PageCtx, o: { programs: { code: string; name: string; files: number }[]; program: string | null; report: ProgressReport | null; backlog: BacklogByArea[]; today: LocalDate; error?: string }): string {
  const r = o.report;
  const body = html`
<form method="get" action="/admin" class="filters">
  <label>Chương trình <select name="program" data-autosubmit>${o.programs.map((p) => html`<option value="${p.code}"${p.code === o.program ? raw(' selected') : ''}>${p.code} · ${formatCount(p.files)} hồ sơ</option>`)}</select></label>
  <noscript><button>Xem</button></noscript>
</form>
${o.error ? html`<p class="flash error">${o.error}</p>` : ''}
${r ? html`
<section class="cards">
  <div class="card stat"><span>Đã duyệt</span><b data-total="approved">${formatCount(r.total.approved)}</b><small>${formatVnd(r.total.approvedAmount)}</small></div>
  <div class="card stat"><span>Đã chi trả</span><b data-total="paid">${formatCount(r.total.paid)}</b><small>${formatVnd(r.total.paidAmount)}</small></div>
  <div class="card stat"><span>Tỷ lệ chi trả</span><b data-total="percent">${pct(r.total.paidPercent)}</b><small>${formatCount(r.total.people)} hồ sơ · ${r.area.name}</small></div>
</section>
<h2>Tỷ lệ chi trả theo đơn vị</h2>
${paidChart(byArea(r.rows))}
<h2>Theo đơn vị và nhóm đối tượng <a class="small" href="/admin/report.xlsx?program=${r.program}">Tải báo cáo Excel</a></h2>
<div class="scroll"><table class="report"><thead><tr><th>Đơn vị</th><th>Nhóm</th><th class="n">Số người</th><th class="n">Đã duyệt</th><th class="n">Tiền đã duyệt</th><th class="n">Đã chi trả</th><th class="n">Tiền đã chi</th><th class="n">%</th></tr></thead>
<tbody>${r.rows.map((x) => html`<tr><td>${x.area.name}</td><td title="${x.groupName}">${x.group}</td><td class="n">${formatCount(x.people)}</td><td class="n">${formatCount(x.approved)}</td><td class="n">${formatVnd(x.approvedAmount)}</td><td class="n">${formatCount(x.paid)}</td><td class="n">${formatVnd(x.paidAmount)}</td><td class="n">${pct(x.paidPercent)}</td></tr>`)}</tbody>
<tfoot><tr><th colspan="2">Tổng cộng</th><th class="n">${formatCount(r.total.people)}</th><th class="n">${formatCount(r.total.approved)}</th><th class="n">${formatVnd(r.total.approvedAmount)}</th><th class="n">${formatCount(r.total.paid)}</th><th class="n">${formatVnd(r.total.paidAmount)}</th><th class="n">${pct(r.total.paidPercent)}</th></tr></tfoot></table></div>
<h2>Hồ sơ tồn đọng theo đơn vị (đến ${formatVi(o.today)})</h2>
${o.backlog.length ? html`<div class="scroll"><table><thead><tr><th>Đơn vị</th><th class="n">Đang xử lý</th><th class="n">Đến hạn hôm nay</th><th class="n">Quá hạn</th><th class="n">Đã duyệt, chưa chi</th></tr></thead>
<tbody>${o.backlog.map((b) => html`<tr${b.overdue ? raw(' class="warn"') : ''}><td>${b.name}</td><td class="n">${formatCount(b.open)}</td><td class="n">${formatCount(b.dueToday)}</td><td class="n">${formatCount(b.overdue)}</td><td class="n">${formatCount(b.approvedUnpaid)}</td></tr>`)}</tbody></table></div>` : html`<p>Không có hồ sơ tồn đọng.</p>`}
` : html`<p>Chưa có hồ sơ nào trong phạm vi của anh/chị.</p>`}`;
  return layout('Tổng quan', ctx, body);
}

const IMPORT_STATUS: Record<string, string> = {
  queued: 'Đang chờ', running: 'Đang xử lý', committed: 'Đã nhập', rejected: 'Có lỗi, không nhập', checked: 'Đã kiểm tra (chạy thử)', failed: 'Không đọc được tệp',
};

export function importsPage(ctx: PageCtx, o: { programs: { code: string; name: string }[]; imports: ImportRowView[] }): string {
  return layout('Nhập danh sách', ctx, html`
<form method="post" action="/admin/imports" enctype="multipart/form-data" class="card" data-once>
  <input type="hidden" name="_csrf" value="${ctx.csrf}">
  <label>Chương trình <select name="program" required>${o.programs.map((p) => html`<option value="${p.code}">${p.code} · ${p.name}</option>`)}</select></label>
  <label>Tệp danh sách (.xlsx hoặc .csv UTF-8) <input type="file" name="file" accept=".xlsx,.csv" required></label>
  <label class="check"><input type="checkbox" name="partial" value="1"> Nhập các dòng đúng dù có dòng lỗi</label>
  <label class="check"><input type="checkbox" name="dryRun" value="1"> Chỉ kiểm tra, chưa ghi</label>
  <button>Tải lên và nhập</button>
  <p class="hint">Các cột: Họ và tên, Ngày sinh, Giới tính, Số CCCD/CMND, Số điện thoại, Mã xã (hoặc Xã/Phường), Nhóm đối tượng, Số tiền, Trạng thái, Ngày chi trả, Nơi chi trả, Lý do. Thứ tự tùy ý. Tệp có lỗi sẽ không được ghi trừ khi chọn nhập các dòng đúng.</p>
</form>
<h2>Các lần nhập</h2>
<div class="scroll"><table><thead><tr><th>#</th><th>Chương trình</th><th>Tệp</th><th>Trạng thái</th><th class="n">Dòng</th><th>Người nhập</th><th>Lúc</th></tr></thead>
<tbody>${o.imports.map((i) => html`<tr><td><a href="/admin/imports/${i.id}">${i.id}</a></td><td>${i.program}</td><td>${i.fileName}</td><td>${IMPORT_STATUS[i.status] ?? i.status}</td><td class="n">${formatCount(i.rowsRead)}</td><td>${i.actor ?? ''}</td><td>${formatDateTimeVi(i.createdAt)}</td></tr>`)}</tbody></table></div>`);
}

export function importPage(ctx: PageCtx, i: ImportRowView): string {
  const s = (i.summary ?? {}) as { rows?: number; okRows?: number; errorRows?: number; warnings?: number; fatal?: string | null; changes?: Record<string, number>; issues?: { row: number; column: string; value: string; reason: string; severity: string }[]; errorFiles?: unknown; previous?: { id: number } | null };
  const done = !['queued', 'running'].includes(i.status);
  const ch = s.changes ?? {};
  return layout(`Nhập danh sách #${i.id}`, ctx, html`
<section class="card" data-import="${i.id}" data-done="${done ? '1' : '0'}">
  <p><b>${i.fileName}</b> · ${i.program}${i.partial ? ' · nhập các dòng đúng' : ''}${i.dryRun ? ' · chạy thử' : ''}</p>
  <p>Trạng thái: <b data-field="status">${IMPORT_STATUS[i.status] ?? i.status}</b></p>
  <progress data-field="progress" max="100" ${done ? raw('value="100"') : ''}></progress> <span data-field="rows">${formatCount(i.rowsRead)} dòng</span>
  ${done ? html`
  ${s.fatal ? html`<p class="flash error">${s.fatal}</p>` : ''}
  ${s.previous ? html`<p>Tệp này đã được nhập trước đây (lần #${s.previous.id}).</p>` : ''}
  <p>Dòng: ${formatCount(s.rows ?? 0)} · hợp lệ ${formatCount(s.okRows ?? 0)} · có lỗi ${formatCount(s.errorRows ?? 0)} · cảnh báo ${formatCount(s.warnings ?? 0)}</p>
  ${i.status === 'committed' || i.status === 'checked' ? html`<p>${i.status === 'checked' ? 'Sẽ' : 'Đã'} thêm ${formatCount(ch.peopleCreated ?? 0)} người, tạo ${formatCount(ch.filesCreated ?? 0)} hồ sơ, đổi trạng thái ${formatCount(ch.stageChanges ?? 0)}, sửa ${formatCount(ch.filesUpdated ?? 0)}, không đổi ${formatCount(ch.unchanged ?? 0)}.</p>` : ''}
  ${s.errorFiles ? html`<p>Tệp lỗi: <a href="/admin/imports/${i.id}/errors.xlsx">errors.xlsx</a> · <a href="/admin/imports/${i.id}/errors.csv">errors.csv</a></p>` : ''}
  ` : html`<p class="hint">Trang tự cập nhật khi xử lý xong.</p>`}
</section>
${done && s.issues?.length ? html`<h2>Lỗi và cảnh báo (tối đa 100 dòng đầu)</h2><div class="scroll"><table><thead><tr><th class="n">Dòng</th><th>Cột</th><th>Giá trị</th><th>Lý do</th></tr></thead>
<tbody>${s.issues.map((x) => html`<tr class="${x.severity === 'error' ? 'err' : 'warn'}"><td class="n">${x.row || ''}</td><td>${x.column}</td><td>${x.value}</td><td>${x.reason}</td></tr>`)}</tbody></table></div>` : ''}`);
}

export function officersPage(ctx: PageCtx, o: { officers: OfficerRow[]; invite?: { code: string; expiresAt: Date; area: string; role: string } | null; roles: { value: string; label: string }[] }): string {
  return layout('Cán bộ', ctx, html`
${o.invite ? html`<p class="flash ok" role="status">Mã mời <b class="code">${o.invite.code}</b> (${o.invite.role}, ${o.invite.area}), dùng được một lần đến ${formatDateTimeVi(o.invite.expiresAt)}. Cán bộ gửi mã này cho bot trên Zalo, Telegram hoặc trang trò chuyện.</p>` : ''}
<form method="post" action="/admin/officers/invite" class="card" data-once>
  <input type="hidden" name="_csrf" value="${ctx.csrf}">
  <label>Vai trò <select name="role">${o.roles.map((r) => html`<option value="${r.value}">${r.label}</option>`)}</select></label>
  <label>Mã đơn vị (xã 5 số, huyện 3 số, tỉnh 2 số) <input name="area" required pattern="\\d{2,5}" inputmode="numeric"></label>
  <label>Họ tên cán bộ <input name="name" maxlength="80"></label>
  <button>Tạo mã mời</button>
</form>
<h2>Danh sách cán bộ</h2>
<div class="scroll"><table><thead><tr><th>Họ tên</th><th>Vai trò</th><th>Đơn vị</th><th>Kênh</th><th>Giờ nhận tin</th><th>Tạm dừng đến</th><th>Bản tin gần nhất</th></tr></thead>
<tbody>${o.officers.map((x) => html`<tr${x.blocked ? raw(' class="warn"') : ''}><td>${x.name}</td><td>${x.role}</td><td>${x.areaName} (${x.areaCode})</td><td>${x.channels ?? 'chưa có'}${x.blocked ? html` · <b>${x.blocked} kênh đã chặn bot</b>` : ''}</td><td>${x.digestTime}</td><td>${x.mutedUntil ?? ''}</td><td>${x.lastDigest ?? ''}</td></tr>`)}</tbody></table></div>`);
}

const TICKET_STATE: Record<string, string> = { open: 'Chờ trả lời', answered: 'Đã trả lời', closed: 'Đã đóng', withdrawn: 'Người dân đã rút' };

export function ticketsPage(ctx: PageCtx, tickets: TicketRow[]): string {
  return layout('Yêu cầu hỗ trợ', ctx, html`
<p class="hint">Cán bộ trả lời yêu cầu ngay trong kênh trò chuyện của mình (lệnh "trả lời").</p>
<div class="scroll"><table><thead><tr><th>#</th><th>Trạng thái</th><th>Kênh</th><th>Xã</th><th>Gửi lúc</th><th>Trả lời lúc</th><th>Nội dung</th></tr></thead>
<tbody>${tickets.map((t) => html`<tr${t.state === 'open' ? raw(' class="warn"') : ''}><td>${t.id}</td><td>${TICKET_STATE[t.state] ?? t.state}</td><td>${t.channel}</td><td>${t.commune ?? 'chưa rõ'}</td><td>${formatDateTimeVi(t.createdAt)}</td><td>${t.answeredAt ? formatDateTimeVi(t.answeredAt) : ''}</td><td>${t.preview}</td></tr>`)}</tbody></table></div>`);
}

export function auditPage(ctx: PageCtx, o: { rows: AuditRow[]; actions: string[]; filter: { action?: string; from?: string; to?: string }; next: string | null }): string {
  const f = o.filter;
  return layout('Nhật ký', ctx, html`
<form method="get" action="/admin/audit" class="filters">
  <label>Hành động <select name="action"><option value="">Tất cả</option>${o.actions.map((a) => html`<option${a === f.action ? raw(' selected') : ''}>${a}</option>`)}</select></label>
  <label>Từ ngày <input type="date" name="from" value="${f.from ?? ''}"></label>
  <label>Đến ngày <input type="date" name="to" value="${f.to ?? ''}"></label>
  <button>Lọc</button>
</form>
<p class="hint">Số CCCD không bao giờ được lưu: cột "Đối tượng" là 10 ký tự đầu của mã băm có khóa.</p>
<div class="scroll"><table><thead><tr><th>Lúc</th><th>Hành động</th><th>Kết quả</th><th>Kênh</th><th>Người thực hiện</th><th>Đối tượng</th><th>Chi tiết</th></tr></thead>
<tbody>${o.rows.map((r) => html`<tr><td>${formatDateTimeVi(r.at)}</td><td>${r.action}</td><td>${r.result}</td><td>${r.channel ?? ''}</td><td>${r.actor ?? ''}</td><td class="mono">${r.subject ?? ''}</td><td class="mono small">${r.detail ? JSON.stringify(r.detail).slice(0, 160) : ''}</td></tr>`)}</tbody></table></div>
${o.next ? html`<p><a href="/admin/audit?${o.next}">Cũ hơn →</a></p>` : ''}`);
}

export function errorPage(ctx: PageCtx | null, status: number, text: string): string {
  return layout(status === 403 ? 'Không có quyền' : status === 404 ? 'Không tìm thấy' : 'Có lỗi', ctx, html`<p>${text}</p><p><a href="/admin">Về trang tổng quan</a></p>`);
}
