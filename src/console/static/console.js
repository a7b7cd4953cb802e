// ansinh console: no framework. Double-submit protection, auto-submitting filters, live progress.
'use strict';
document.addEventListener('submit', (e) => {
  const form = e.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-once')) return;
  if (form.dataset.sent) { e.preventDefault(); return; }
  form.dataset.sent = '1';
  for (const b of form.querySelectorAll('button')) b.disabled = true;
});
for (const s of document.querySelectorAll('[data-autosubmit]')) s.addEventListener('change', () => s.form && s.form.submit());

async function poll(el, url, render) {
  for (;;) {
    try {
      const r = await fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } });
      if (r.status === 401) { location.href = '/admin/login?expired=1'; return; }
      const j = await r.json();
      if (render(j)) { location.reload(); return; }
    } catch { /* network blip: try again */ }
    await new Promise((res) => setTimeout(res, 1000));
  }
}
const imp = document.querySelector('[data-import][data-done="0"]');
if (imp) {
  poll(imp, `/admin/api/imports/${imp.dataset.import}`, (j) => {
    imp.querySelector('[data-field="status"]').textContent = j.statusText;
    imp.querySelector('[data-field="rows"]').textContent = `${j.rows.toLocaleString('vi-VN')} dòng`;
    const bar = imp.querySelector('[data-field="progress"]');
    if (j.percent !== null) bar.value = j.percent;
    return j.done;
  });
}
const bc = document.querySelector('[data-broadcast][data-done="0"]');
if (bc) {
  poll(bc, `/admin/api/broadcasts/${bc.dataset.broadcast}`, (j) => {
    for (const [k, v] of Object.entries(j.counts || {})) {
      const cell = bc.querySelector(`[data-count="${k}"]`);
      if (cell) cell.textContent = Number(v).toLocaleString('vi-VN');
    }
    const st = bc.querySelector('[data-field="status"]');
    if (st) st.textContent = j.statusText;
    const bar = bc.querySelector('[data-field="progress"]');
    if (bar && j.percent !== null) bar.value = j.percent;
    return j.done;
  });
}
