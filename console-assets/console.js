// payval console: the little script the pages need. Everything works from this origin under the strict
// Content-Security-Policy (no inline script, no eval). Pages stay usable without it except the
// drag-and-drop upload's progress and the live progress bars.
'use strict';
(function () {
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || '';

  // Forms that change something irreversible ask first.
  document.addEventListener('submit', function (e) {
    var form = e.target;
    var question = form.getAttribute && form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) e.preventDefault();
  });

  function say(el, text) {
    if (el) { el.textContent = text; el.hidden = !text; }
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return 'console-' + crypto.randomUUID();
    return 'console-' + Date.now() + '-' + Math.random().toString(36).slice(2);
  }

  // CSV upload: drag and drop or pick a file; the bytes go up with a progress bar, then the batch page
  // shows validation progress. One Idempotency-Key per chosen file, so a retried upload is one batch.
  var form = document.getElementById('upload-form');
  if (form) {
    var zone = document.getElementById('dropzone');
    var input = document.getElementById('file');
    var bar = document.getElementById('upload-progress');
    var label = document.getElementById('upload-status');
    var problem = document.getElementById('upload-error');
    var button = form.querySelector('button[type="submit"]');
    var chosen = null;
    var key = null;
    var choose = function (file) {
      chosen = file;
      key = newKey();
      say(label, file ? 'Selected: ' + file.name + ' (' + file.size.toLocaleString('en') + ' bytes)' : '');
      say(problem, '');
    };
    input.addEventListener('change', function () { choose(input.files && input.files[0]); });
    ['dragenter', 'dragover'].forEach(function (t) {
      zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.add('over'); });
    });
    ['dragleave', 'drop'].forEach(function (t) {
      zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.remove('over'); });
    });
    zone.addEventListener('drop', function (e) {
      var f = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
      if (f) choose(f);
    });
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      if (!chosen) { say(problem, 'Choose a CSV file first.'); return; }
      var data = new FormData();
      var ref = form.querySelector('[name="reference_id"]');
      if (ref && ref.value) data.append('reference_id', ref.value);
      data.append('file', chosen, chosen.name);
      var xhr = new XMLHttpRequest();
      xhr.open('POST', form.action);
      xhr.setRequestHeader('X-CSRF-Token', csrf);
      xhr.setRequestHeader('Idempotency-Key', key);
      xhr.setRequestHeader('Accept', 'application/json');
      bar.hidden = false;
      button.disabled = true;
      xhr.upload.addEventListener('progress', function (ev) {
        if (ev.lengthComputable) {
          var pct = Math.floor((ev.loaded / ev.total) * 100);
          bar.value = pct;
          say(label, 'Uploading… ' + pct + ' %');
        }
      });
      xhr.addEventListener('load', function () {
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (err) { body = {}; }
        if (xhr.status >= 200 && xhr.status < 300 && body.id) {
          bar.value = 100;
          say(label, 'Uploaded. Opening the batch…');
          window.location.assign('/console/batches/' + encodeURIComponent(body.id));
          return;
        }
        button.disabled = false;
        say(problem, (body.error && body.error.message) || 'The upload failed (HTTP ' + xhr.status + ').');
      });
      xhr.addEventListener('error', function () {
        button.disabled = false;
        say(problem, 'The upload was interrupted; check the connection and upload again (it will not be counted twice).');
      });
      xhr.send(data);
    });
  }

  // Live progress: a batch page polls its progress feed until the batch is final, then reloads once
  // to show results and rejected rows.
  var live = document.querySelector('[data-progress-url]');
  if (live) {
    var url = live.getAttribute('data-progress-url');
    var meter = live.querySelector('progress');
    var text = live.querySelector('[data-progress-text]');
    var tick = function () {
      if (document.hidden) { setTimeout(tick, 3000); return; }
      fetch(url, { headers: { Accept: 'application/json', 'X-Console-Background': '1' }, credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : Promise.reject(new Error('HTTP ' + r.status)); })
        .then(function (p) {
          meter.value = p.percent;
          say(text, p.percent + ' % — ' + p.settled.toLocaleString('en') + ' of ' + p.total.toLocaleString('en') + ' rows settled (' + p.status + ')');
          if (p.done) window.location.reload();
          else setTimeout(tick, 1000);
        })
        .catch(function () { setTimeout(tick, 3000); });
    };
    setTimeout(tick, 500);
  }

  // A validation still in progress: its page is fetched in the background (not counted as activity)
  // until it is final, then reloaded once; focus is never taken away. After five minutes it stops and
  // says so (a validation can wait hours for a partner).
  var pending = document.querySelector('[data-refresh-until-final]');
  if (pending) {
    var started = Date.now();
    var delay = 1500;
    var check = function () {
      if (Date.now() - started > 5 * 60 * 1000) {
        say(pending, 'Still waiting for the bank partner. Reload this page later to see the result.');
        return;
      }
      if (document.hidden) { setTimeout(check, delay); return; }
      fetch(window.location.href, { headers: { Accept: 'text/html', 'X-Console-Background': '1' }, credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(new Error('HTTP ' + r.status)); })
        .then(function (text) {
          if (text.indexOf('data-refresh-until-final') === -1) window.location.reload();
          else setTimeout(check, (delay = Math.min(delay * 1.5, 10000)));
        })
        .catch(function () { setTimeout(check, (delay = Math.min(delay * 2, 30000))); });
    };
    setTimeout(check, delay);
  }

  // One submission per click: a double click does not validate a payee twice.
  document.addEventListener('submit', function (e) {
    if (e.defaultPrevented) return;
    var button = e.target.querySelector && e.target.querySelector('button[type="submit"]');
    if (button && e.target.id !== 'upload-form') setTimeout(function () { button.disabled = true; }, 0);
  });
})();
