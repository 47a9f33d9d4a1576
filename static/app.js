// Fieldbook page script: registers the service worker, shows the offline and
// sync banners, overlays completions still waiting to sync on cached pages,
// "Save this course for offline", and the install button. No build step.
"use strict";
(function () {
  var user = (document.querySelector('meta[name="fieldbook-user"]') || {}).content || "";
  var $ = function (s) { return document.querySelector(s); };
  var sw = navigator.serviceWorker;

  function openDB() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open("fieldbook", 2);
      req.onupgradeneeded = function () {
        var db = req.result;
        [["queue", { keyPath: "id" }], ["failed", { keyPath: "id" }], ["meta"], ["known", { keyPath: "key" }]].forEach(function (s) {
          if (!db.objectStoreNames.contains(s[0])) db.createObjectStore(s[0], s[1]);
        });
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function all(store) {
    return openDB().then(function (db) {
      return new Promise(function (resolve, reject) {
        var r = db.transaction(store).objectStore(store).getAll();
        r.onsuccess = function () { db.close(); resolve(r.result); };
        r.onerror = function () { db.close(); reject(r.error); };
      });
    });
  }
  function post(msg) {
    if (sw) sw.ready.then(function (reg) { if (reg.active) reg.active.postMessage(msg); });
  }

  // The latest queued change per lesson, for this user.
  function pendingByLesson(items) {
    var m = {};
    items.forEach(function (i) {
      if (i.user === user && (!m[i.lesson_id] || m[i.lesson_id].at < i.at)) m[i.lesson_id] = i;
    });
    return m;
  }

  function setProgress(root, done, total) {
    var p = root.querySelector("progress"), t = root.querySelector(".progress-text");
    if (!p || !t || !total) return;
    p.value = done;
    t.textContent = done + " of " + total + " lessons done (" + Math.floor(done * 100 / total) + "%)";
  }

  function note(parent, cls, text) {
    var n = parent.querySelector("." + cls);
    if (!n) { n = document.createElement("span"); n.className = cls; parent.appendChild(n); }
    n.textContent = text;
  }

  var shownPending = {};

  // Overlay queued changes on the page the server (or the cache) rendered.
  // A page from the cache may be older than what this device did online
  // since: known states correct it first, queued changes go on top.
  function overlay(pending, known) {
    if (document.body.dataset.offline === "1") {
      Object.keys(known).forEach(function (id) { if (!pending[id]) pending[id] = Object.assign({ settled: true }, known[id]); });
    }
    var status = $("#lesson-status");
    if (status && status.dataset.lesson) {
      var id = status.dataset.lesson, it = pending[id];
      if (it) {
        shownPending[id] = true;
        var form = status.querySelector("form");
        var was = form.querySelector('input[name="completed"]').value === "false";
        if (was !== it.completed) {
          var total = +form.querySelector('input[name="total"]').value;
          var done = +form.querySelector('input[name="done"]').value + (it.completed ? 1 : -1);
          form.querySelector('input[name="done"]').value = done;
          form.querySelector('input[name="completed"]').value = String(!it.completed);
          var b = form.querySelector("button");
          b.textContent = it.completed ? "Mark not complete" : "Mark complete";
          b.className = it.completed ? "secondary" : "";
          var dn = form.querySelector(".done-note");
          if (it.completed && !dn) { dn = document.createElement("p"); dn.className = "done-note"; dn.textContent = "✓ You completed this lesson."; form.insertBefore(dn, form.firstChild); }
          if (!it.completed && dn) dn.remove();
          setProgress(status, done, total);
        }
        if (!it.settled) {
          status.dataset.pending = "1";
          note(form, "pending-note", "Waiting to sync");
        }
      } else if (shownPending[id] || status.dataset.pending) {
        delete status.dataset.pending;
        var pn = status.querySelector(".pending-note");
        if (pn) { pn.textContent = "✓ Synced"; pn.className = "synced-note"; }
      }
    }
    var list = document.querySelectorAll("ol.lessons li[data-lesson]");
    if (list.length) {
      var done = 0;
      list.forEach(function (li) {
        var it = pending[li.dataset.lesson];
        var completed = it ? it.completed : li.classList.contains("done");
        if (it && !it.settled) { shownPending[li.dataset.lesson] = true; note(li, "pending-note", "Waiting to sync"); }
        else if (shownPending[li.dataset.lesson]) { var n = li.querySelector(".pending-note"); if (n) { n.textContent = "✓ Synced"; n.className = "synced-note"; } }
        li.classList.toggle("done", completed);
        var meta = li.querySelector(".meta"), mark = li.querySelector(".mark");
        if (completed && !mark && meta) { mark = document.createElement("span"); mark.className = "mark"; mark.textContent = " ✓ Done"; meta.appendChild(mark); }
        if (!completed && mark) mark.remove();
        if (completed) done++;
      });
      var bar = document.querySelector("main > .progress");
      if (bar) setProgress(bar, done, list.length);
    }
  }

  // Banners: offline, and the number of changes waiting.
  function refresh(synced) {
    var offline = !navigator.onLine || document.body.dataset.offline === "1";
    $("#offline-banner").hidden = !offline;
    if (!user || !window.indexedDB) return;
    Promise.all([all("queue"), all("failed"), all("known")]).then(function (r) {
      var mine = r[0].filter(function (i) { return i.user === user; });
      var failed = r[1].filter(function (i) { return i.user === user; });
      var banner = $("#sync-banner");
      banner.hidden = mine.length === 0 && failed.length === 0 && !synced;
      $("#sync-count").textContent = mine.length ? mine.length + (mine.length === 1 ? " change" : " changes") + " waiting to sync" :
        (synced ? "All changes synced" : "");
      $("#sync-now").hidden = mine.length === 0;
      var f = $("#sync-failed");
      f.hidden = failed.length === 0;
      f.textContent = failed.length ? failed.length + " could not sync: " + failed.map(function (i) { return i.reason; }).join(", ") : "";
      document.body.dataset.pending = String(mine.length);
      overlay(pendingByLesson(mine), pendingByLesson(r[2]));
    });
  }

  if (sw) {
    sw.register("/sw.js", { scope: "/" });
    sw.addEventListener("message", function (e) {
      var d = e.data || {};
      if (d.type === "queue-changed") refresh(d.synced);
      if (d.type === "save-progress") saveProgress(d);
    });
    post({ type: "hello", user: user });
  }
  window.addEventListener("online", function () { refresh(); post({ type: "sync" }); });
  window.addEventListener("offline", function () { refresh(); });
  document.addEventListener("htmx:afterSwap", function () { refresh(); });
  var syncNow = $("#sync-now");
  if (syncNow) syncNow.addEventListener("click", function () { post({ type: "sync" }); });
  refresh();

  // Signing out with changes waiting: warn once, then let it go (they stay
  // on this phone and sync when this learner signs in again).
  var logout = $("#logout-form");
  if (logout) logout.addEventListener("submit", function (e) {
    var n = +(document.body.dataset.pending || 0);
    if (n > 0 && !logout.dataset.warned) {
      e.preventDefault();
      logout.dataset.warned = "1";
      var w = $("#logout-warning");
      w.textContent = n + (n === 1 ? " change is" : " changes are") + " waiting to sync. They stay on this phone and sync when you sign in again. Press Sign out again to continue.";
      w.hidden = false;
    }
  });

  // "Save this course for offline".
  var save = $("#offline-save");
  function saveUrls() { return save.dataset.urls.split(" ").filter(Boolean); }
  function saveProgress(d) {
    if (!save) return;
    var bar = save.querySelector("progress"), text = save.querySelector(".save-text");
    bar.max = d.total; bar.value = d.done; bar.hidden = d.done === d.total || !!d.removed;
    var complete = d.done === d.total && !d.removed;
    text.textContent = d.removed ? "Removed from this phone." : complete ? "Available offline ✓" :
      d.partial ? d.done + " of " + d.total + " pages are on this phone. Save the rest to read them offline." :
      d.failed ? "Saved " + d.done + " of " + d.total + ". Try again to finish." : "Saving… " + d.done + " of " + d.total + " pages saved";
    save.dataset.saved = complete ? "1" : "";
    $("#save-course").hidden = complete;
    $("#unsave-course").hidden = !complete;
  }
  if (save && sw && window.caches) {
    save.hidden = false;
    caches.open("fieldbook-pages").then(function (c) {
      return Promise.all(saveUrls().map(function (u) { return c.match(u); }));
    }).then(function (hits) {
      var n = hits.filter(Boolean).length;
      if (n === hits.length) saveProgress({ done: n, total: hits.length });
      else if (n > 0) saveProgress({ done: n, total: hits.length, partial: true });
    });
    $("#save-course").addEventListener("click", function () { post({ type: "save", urls: saveUrls() }); });
    $("#unsave-course").addEventListener("click", function () { post({ type: "unsave", urls: saveUrls() }); });
  }

  // Lesson form: an uploaded file's Markdown (sent by the server in
  // HX-Trigger) goes into the lesson text at the cursor, or at the end if
  // the text was never touched.
  document.addEventListener("focusin", function (e) { if (e.target.id === "body") e.target.dataset.cursor = "1"; });
  document.body.addEventListener("fieldbook:media", function (e) {
    var body = $("#body"), md = e.detail && e.detail.markdown, file = $("#media-file");
    if (!body || !md) return;
    var at = body.dataset.cursor ? body.selectionEnd : body.value.length, before = body.value.slice(0, at);
    body.setRangeText((before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "") + md + "\n", at, at, "end");
    body.focus();
    if (file) file.value = "";
  });

  // Install as an app where the browser offers it.
  var deferred = null, install = $("#install");
  window.addEventListener("beforeinstallprompt", function (e) {
    e.preventDefault(); deferred = e; if (install) install.hidden = false;
  });
  if (install) install.addEventListener("click", function () {
    if (!deferred) return;
    deferred.prompt(); deferred = null; install.hidden = true;
  });
})();
