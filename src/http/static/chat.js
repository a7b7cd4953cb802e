// Web chat client: sends messages as JSON, shows replies and buttons, receives proactive
// messages over server-sent events. All text is inserted with textContent (never as HTML).
(function () {
  'use strict';
  var log = document.getElementById('log');
  var form = document.getElementById('form');
  var input = document.getElementById('text');
  var busy = false;

  function bubble(text, who, extra) {
    var div = document.createElement('div');
    div.className = 'msg ' + who + (extra ? ' ' + extra : '');
    div.textContent = text;
    log.appendChild(div);
    log.scrollTop = log.scrollHeight;
    return div;
  }

  function buttons(list) {
    if (!list || !list.length) return;
    var row = document.createElement('div');
    row.className = 'buttons';
    list.forEach(function (b) {
      var btn = document.createElement('button');
      btn.type = 'button';
      btn.textContent = b.label;
      btn.addEventListener('click', function () { send({ action: b.action }, b.label); });
      row.appendChild(btn);
    });
    log.appendChild(row);
    log.scrollTop = log.scrollHeight;
  }

  function show(replies, extra) {
    replies.forEach(function (r) { bubble(r.text, 'bot', extra); buttons(r.buttons); });
  }

  function send(payload, echo) {
    if (busy) return;
    busy = true;
    if (echo) bubble(echo, 'me');
    fetch('/api/chat/messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      credentials: 'same-origin',
      body: JSON.stringify(payload)
    }).then(function (res) {
      return res.json().then(function (data) {
        if (!res.ok) throw new Error(data && data.error ? data.error : 'Lỗi ' + res.status);
        show(data.replies || []);
      });
    }).catch(function (e) {
      var d = bubble(e && e.message ? e.message : 'Không gửi được. Anh/chị thử lại giúp.', 'bot');
      d.classList.add('error');
    }).then(function () { busy = false; input.focus(); });
  }

  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    var text = input.value;
    if (!text.trim()) return;
    input.value = '';
    send({ text: text }, text);
  });

  // Pushes (notices for this chat). A dropped connection is retried by the browser itself; an
  // error answer (503 while the server's database is down) closes the stream for good, so the page
  // opens a new one a few seconds later.
  function listen() {
    var es = new EventSource('/api/chat/events');
    es.addEventListener('message', function (ev) {
      try { show([JSON.parse(ev.data)], 'push'); } catch (e) { /* ignore a malformed push */ }
    });
    es.addEventListener('error', function () {
      if (es.readyState === EventSource.CLOSED) setTimeout(listen, 5000);
    });
  }
  if (window.EventSource) listen();

  send({ action: 'menu' });
})();
