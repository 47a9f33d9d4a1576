// Fieldbook page script: plain JavaScript (ES2020), no build step. The server
// serves it after LANG, TAG, LANGS, FB, TEXT and shared.js (the constants,
// texts and database code it shares with the service worker), one copy per
// language: TAG is this copy's language, LANG its locale for Intl.
//
// Course, lesson and home pages are the same for everyone (the worker
// caches them). This script draws their personal part for the learner the
// phone knows: online from the server (GET /api/me/progress, and /api/me
// when the learner changed), offline from the phone's database (that
// learner's last known progress and their queue). It only sets data
// attributes, numbers and texts from TEXT: every piece of markup is in the
// page already. It also runs "Who is learning?", the offline and sync
// banners, "Save this course for offline" and the install button.
/* global LANG, TAG, LANGS, FB, idb, text, cacheKey, rememberDone, progressKey */
"use strict";
(() => {
  const $ = (s, root) => (root || document).querySelector(s);
  const $$ = (s, root) => Array.from((root || document).querySelectorAll(s));
  const sw = navigator.serviceWorker;
  const html = document.documentElement;
  // Pages drawn for their caller by the server carry data-who already.
  const neutral = !html.hasAttribute("data-who");
  const status = $("#lesson-status");
  const lessonList = $("ol.lessons[data-course]");
  const courseId = status ? status.dataset.course : lessonList ? lessonList.dataset.course : "";
  const isHome = !!$(".cards li.card[data-course]");

  // Offline, the worker may show a page saved in another language with this
  // script in the learner's: what it writes is marked as in its language.
  if (html.lang !== TAG) {
    for (const el of $$("#sync-banner, #logout-warning, .progress-text, .need-note, .save-text, #phone-note, #pin-error, #optin-error, .pin-for")) {
      el.lang = TAG;
      el.dir = LANGS[TAG].dir;
    }
  }

  // The phone's state for this page.
  let who = null; // {user_id, name, lang, role, via: "session" | "pin"}
  let queue = []; // who's changes waiting to sync
  let failed = []; // who's changes the server refused
  let known = {}; // course_id -> who's last known progress {total, done}
  let learners = []; // "Who is learning?"
  let synced = false;
  const shownPending = new Set();

  // ask sends the worker a message and resolves when it has done it (or at
  // once when no worker runs this page).
  function ask(msg) {
    if (!sw) return Promise.resolve();
    return sw.ready.then((reg) => new Promise((resolve) => {
      if (!reg.active) { resolve(); return; }
      const ch = new MessageChannel();
      ch.port1.onmessage = () => resolve();
      reg.active.postMessage(msg, [ch.port2]);
      setTimeout(resolve, 10000);
    }));
  }

  async function readLocal() {
    if (!window.indexedDB) return;
    const [cur, items, bad, progress, list] = await idb(["meta", "queue", "failed", "progress", "learners"], "readonly",
      (s) => [s.meta.get("current"), s.queue.getAll(), s.failed.getAll(), s.progress.getAll(), s.learners.getAll()]);
    who = cur || null;
    const mine = (i) => who && i.user === who.user_id;
    queue = items.filter(mine);
    failed = bad.filter(mine);
    known = {};
    for (const p of progress.filter(mine)) known[p.course_id] = p;
    learners = list.filter((l) => !l.locked).sort((a, b) => a.name.localeCompare(b.name));
  }

  // ---- drawing ------------------------------------------------------------
  // latest is who's latest queued change per lesson. A quiz attempt the
  // phone graded as passing counts as a completion waiting to sync; any
  // other attempt changes nothing until the server has graded it (a failed
  // attempt never undoes a completion).
  function latest() {
    const m = new Map();
    for (const i of queue) {
      if (i.kind === "attempt" && !(i.preview && i.preview.passed)) continue;
      const p = m.get(i.lesson_id);
      if (!p || p.at < i.at) m.set(i.lesson_id, i.kind === "attempt" ? Object.assign({ completed: true }, i) : i);
    }
    return m;
  }

  // doneIn is the set of lessons of a course who has done: the last known
  // server state with the queue on top. also are lessons known to be of
  // this course whose queued changes count even without a course id.
  function doneIn(course, pending, also) {
    const done = new Set(known[course] ? known[course].done : []);
    for (const [id, i] of pending) {
      if (i.course_id !== course && !(also || []).includes(id)) continue;
      if (i.completed) done.add(id);
      else done.delete(id);
    }
    return done;
  }

  function setBar(el, done, total) {
    const bar = $("progress", el);
    const words = $(".progress-text", el);
    if (!bar || !words) return;
    bar.max = Math.max(total, 1);
    bar.value = Math.min(done, total);
    words.textContent = total ? text("progress", { done, total, pct: Math.floor((done * 100) / total) }, total) : text("no_lessons");
  }

  // setCert shows the link to who's certificate of the course, once the
  // server has said they have one.
  function setCert(el, course) {
    el.dataset.cert = who && known[course] && known[course].certificate ? "1" : "";
  }

  function setSync(el, lesson, item) {
    if (item) {
      shownPending.add(lesson);
      el.dataset.sync = "pending";
    } else if (shownPending.has(lesson)) {
      el.dataset.sync = "synced";
    } else {
      delete el.dataset.sync;
    }
  }

  function draw() {
    if (learners.length) html.dataset.list = "1";
    else delete html.dataset.list;
    // "Sign out everywhere else" keeps the key this phone holds.
    const mine = who && learners.find((l) => l.user_id === who.user_id);
    for (const input of $$("input[data-phone-key]")) input.value = mine ? mine.key_id : "";
    if (neutral) {
      html.dataset.who = who ? who.role || "learner" : "out";
      html.dataset.via = who ? who.via : "";
      const name = $("#who-name");
      if (name) name.textContent = who ? who.name : "";
    }
    drawBanners();
    if (!neutral) return;
    const pending = latest();
    if (status) {
      const lesson = status.dataset.lesson;
      const done = doneIn(courseId, pending, [lesson]);
      status.dataset.state = who ? (done.has(lesson) ? "done" : "todo") : "out";
      setSync(status, lesson, who && pending.get(lesson));
      setBar(status, done.size, +status.dataset.total);
      setCert(status, courseId);
    }
    if (lessonList) {
      const ids = $$("li[data-lesson]", lessonList).map((li) => li.dataset.lesson);
      const done = doneIn(courseId, pending, ids);
      for (const li of $$("li[data-lesson]", lessonList)) {
        li.dataset.state = who && done.has(li.dataset.lesson) ? "done" : "todo";
        setSync(li, li.dataset.lesson, who && pending.get(li.dataset.lesson));
      }
      const bar = $("#course-progress");
      if (bar) setBar(bar, ids.filter((id) => done.has(id)).length, ids.length);
      if (bar) setCert(bar, courseId);
    }
    for (const card of $$(".cards li.card[data-course]")) {
      const bar = $(".progress", card);
      if (bar) setBar(bar, doneIn(card.dataset.course, pending).size, +bar.dataset.total);
    }
    drawPhone();
  }

  // REASONS name, in the page's words, why the server refused a change: its
  // reasons (docs/offline.md) by what they mean to a learner; any other is
  // a change that could not be read.
  const REASONS = {
    "unknown or unpublished lesson": "reason_unpublished", unknown_lesson: "reason_unpublished",
    unknown_version: "reason_unpublished", quiz_lesson: "reason_quiz",
    bad_signature: "reason_signature", wrong_key_user: "reason_signature",
  };

  // Banners: offline, and who's changes waiting.
  function drawBanners() {
    const offline = !navigator.onLine || document.body.dataset.offline === "1";
    $("#offline-banner").hidden = !offline;
    const banner = $("#sync-banner");
    if (!banner) return;
    const n = queue.length;
    banner.hidden = !who || (n === 0 && failed.length === 0 && !synced);
    $("#sync-count").textContent = n ? text("waiting", null, n) : synced ? text("all_synced") : "";
    $("#sync-now").hidden = n === 0;
    const f = $("#sync-failed");
    f.hidden = failed.length === 0;
    const reasons = Array.from(new Set(failed.map((i) => text(REASONS[i.reason] || "reason_other"))));
    f.textContent = failed.length ? text("failed", { reasons: new Intl.ListFormat(LANG).format(reasons) }, failed.length) : "";
    document.body.dataset.pending = String(n);
  }

  async function refresh(sync) {
    if (sync !== undefined) synced = sync;
    await readLocal();
    draw();
  }

  // ---- the server's view, online ---------------------------------------------
  async function getJSON(url) {
    const resp = await fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } });
    return { status: resp.status, body: resp.ok ? await resp.json() : null };
  }

  function storeProgress(user, courses) {
    return idb("progress", "readwrite", (s) => {
      for (const c of courses) {
        s.progress.put({ key: progressKey(user, c.course_id), user, course_id: c.course_id, total: c.total, done: c.done,
          certificate: !!c.certificate });
      }
    });
  }

  // setWho makes me the learner using the phone (null: nobody). A learner
  // signed in online is let back on "Who is learning?" if wrong PINs had
  // taken them off it.
  async function setWho(me) {
    await idb(["meta", "learners"], "readwrite", (s) => {
      if (!me) {
        s.meta.delete("current");
        return;
      }
      s.meta.put(me, "current");
      if (me.via !== "session") return;
      const get = s.learners.get(me.user_id);
      get.onsuccess = () => {
        const l = get.result;
        if (l) s.learners.put(Object.assign(l, { name: me.name, lang: me.lang || l.lang, fails: 0, locked: false }));
      };
    });
    await ask({ type: "who" });
  }

  // personal asks the server who is signed in and their progress in what
  // this page shows: one small request per page view. A different learner
  // than the phone knew means someone signed in: the phone then learns
  // their name (/api/me) and their progress in every course.
  async function personal() {
    if (document.body.dataset.offline === "1" || !navigator.onLine) return;
    if (who && who.via === "pin") followLanguage(who.lang);
    if (!neutral) return drawnByServer();
    let res;
    try {
      res = await getJSON(FB.paths.meProgress + (courseId ? "?course=" + encodeURIComponent(courseId) : ""));
      if (res.status === 401) {
        if (who && who.via === "session") await setWho(null);
      } else if (res.body) {
        const all = courseId ? null : res.body;
        if (!who || who.user_id !== res.body.user_id || who.via !== "session") await signedIn(res.body.user_id, all);
        else if (who.lang !== html.lang) await setWho(Object.assign({}, who, { lang: html.lang }));
        else if (phone) await keyStillLive(res.body.user_id);
        await storeProgress(res.body.user_id, res.body.courses);
      }
    } catch (err) {
      return; // the network went away: the phone's own state stands
    }
    await refresh();
  }

  // drawnByServer keeps the phone in step on a page drawn for its caller:
  // signed out there means nobody's session; signed in, /api/me (no
  // database work) says who, so the banners count the right learner.
  async function drawnByServer() {
    try {
      if (html.dataset.who === "out") {
        if (who && who.via === "session") await setWho(null);
      } else {
        const me = await getJSON(FB.paths.me);
        if (me.body && (!who || who.user_id !== me.body.user_id || who.via !== "session")) await signedIn(me.body.user_id, null, me);
        else if (me.body && who.lang !== me.body.lang) await setWho(Object.assign({}, who, { lang: me.body.lang }));
      }
    } catch (err) {
      return;
    }
    await refresh();
  }

  async function signedIn(userId, all, asked) {
    const me = asked || await getJSON(FB.paths.me);
    if (!me.body || me.body.user_id !== userId) return;
    await setWho({ user_id: me.body.user_id, name: me.body.name, lang: me.body.lang, role: me.body.role, via: "session" });
    const progress = all || (await getJSON(FB.paths.meProgress)).body;
    if (progress && progress.user_id === userId) await storeProgress(userId, progress.courses);
    await keyStillLive(userId);
  }

  // keyStillLive drops the learner's entry of "Who is learning?" when the
  // server no longer holds its key (forgotten elsewhere, a password
  // change): they are offered "Use this phone offline" again. Their queue
  // stays and goes under their session.
  async function keyStillLive(userId) {
    const l = await idb("learners", "readonly", (s) => s.learners.get(userId));
    if (!l) return;
    const live = await getJSON(FB.paths.phones);
    if (!live.body || live.body.phones.some((p) => p.key_id === l.key_id)) return;
    await idb("learners", "readwrite", (s) => { s.learners.delete(userId); });
  }

  // ---- completions ----------------------------------------------------------------
  // The form names no learner: the worker (or, without it, the server)
  // takes the one it knows. The answer updates the phone's known progress.
  // A quiz lesson has no such form: only a passing attempt completes it.
  const completeForm = status && $("form", status);
  if (completeForm) {
    completeForm.addEventListener("submit", async (e) => {
      e.preventDefault();
      const note = $(".need-note", status);
      note.textContent = "";
      if (!who) {
        status.dataset.state = "out";
        return;
      }
      const body = new URLSearchParams({ completed: e.submitter ? e.submitter.value : "true", course_id: courseId });
      let resp;
      try {
        resp = await fetch(e.target.action, { method: "POST", body, credentials: "same-origin", headers: { Accept: "application/json" } });
      } catch (err) {
        note.textContent = text("offline");
        return;
      }
      if (resp.status === 200) {
        const r = await resp.json();
        await rememberDone(r.user_id, [r]);
      } else if (resp.status === 401) {
        note.textContent = text("need_learner");
        if (who.via === "session") await setWho(null);
      } else if (resp.status !== 202) {
        note.textContent = text("failed_retry");
      }
      await refresh();
    });
  }

  // ---- "Who is learning?" ----------------------------------------------------------
  const phone = $("#phone");
  let picking = null;

  function phoneNote(msg) {
    const n = $("#phone-note");
    n.textContent = msg || "";
    n.hidden = !msg;
  }

  function drawPhone() {
    if (!phone) return;
    const list = $("#learners");
    const tpl = $("#learner-tpl");
    list.replaceChildren();
    for (const l of learners) {
      const li = tpl.content.firstElementChild.cloneNode(true);
      $(".name", li).textContent = l.name;
      $("button", li).addEventListener("click", () => startPick(l));
      li.dataset.user = l.user_id;
      list.appendChild(li);
    }
    $("#no-learners").hidden = learners.length > 0;
    const mine = who && learners.find((l) => l.user_id === who.user_id);
    $("#optin").hidden = !(who && who.via === "session" && !mine);
    $("#on-list").hidden = !(who && who.via === "session" && mine);
  }

  function startPick(l) {
    picking = l;
    const form = $("#pin-form");
    form.hidden = false;
    $(".pin-for", form).textContent = text("pin_for", { name: l.name });
    $("#pin-error").hidden = true;
    $("#pin").value = "";
    $("#pin").focus();
  }

  function pinError(id, msg) {
    const el = $(id);
    el.textContent = msg;
    el.hidden = !msg;
  }

  async function derive(pin, salt, iterations) {
    const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(pin), "PBKDF2", false, ["deriveBits"]);
    return new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", salt, iterations, hash: "SHA-256" }, key, 256));
  }

  const samePIN = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const goodPIN = (pin) => new RegExp("^[0-9]{" + FB.pin.minLen + "," + FB.pin.maxLen + "}$").test(pin);

  // pick checks the PIN on the phone. Five wrong in a row take the learner
  // off the list (their queue stays) until they sign in online once.
  async function pick(pin) {
    const l = await idb("learners", "readonly", (s) => s.learners.get(picking.user_id));
    if (!l || l.locked) return;
    const ok = samePIN(await derive(pin, l.pin.salt, l.pin.iterations), l.pin.hash);
    if (!ok) {
      l.fails = (l.fails || 0) + 1;
      l.locked = l.fails >= FB.pin.maxTries;
      await idb("learners", "readwrite", (s) => { s.learners.put(l); });
      const left = FB.pin.maxTries - l.fails;
      pinError("#pin-error", l.locked ? text("pin_locked", { name: l.name }) : text("pin_wrong", null, left));
      if (l.locked) {
        $("#pin-form").hidden = true;
        phoneNote(text("pin_locked", { name: l.name }));
        await refresh();
      }
      return;
    }
    l.fails = 0;
    // Switching away from a signed-in learner signs them out: their
    // session must not serve the next person.
    const leaving = who && who.via === "session" && who.user_id !== l.user_id;
    await idb(["meta", "learners"], "readwrite", (s) => {
      s.learners.put(l);
      if (who && who.via === "session" && who.user_id === l.user_id) return;
      s.meta.put({ user_id: l.user_id, name: l.name, lang: l.lang, role: "learner", via: "pin" }, "current");
      if (leaving) s.meta.put(true, "logout");
    });
    await ask({ type: "who" });
    await followLanguage(l.lang);
    const next = new URLSearchParams(location.search).get("next");
    location.assign(next && next.startsWith("/") && !next.startsWith("//") ? next : FB.paths.home);
  }

  // followLanguage makes the phone's pages follow a learner picked with
  // their PIN (who has no session): its language cookie becomes theirs.
  // Offline nothing is sent; the worker serves the copies in their
  // language it has, and the next page online sets the cookie.
  async function followLanguage(lang) {
    if (!LANGS[lang] || lang === html.lang || !navigator.onLine) return;
    try {
      await fetch(FB.paths.language, {
        method: "POST", credentials: "same-origin", redirect: "manual",
        body: new URLSearchParams({ lang, next: FB.paths.home }),
      });
    } catch (err) {
      // offline after all: as above
    }
  }

  // optIn: "Use this phone offline". A key pair for (learner, phone) whose
  // private half never leaves the browser, the public half registered with
  // the server; a PBKDF2 verifier of the PIN.
  async function optIn(pin) {
    const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
    const jwk = await crypto.subtle.exportKey("jwk", keys.publicKey);
    // Without a label the server names the key after the browser.
    const label = navigator.userAgentData ? navigator.userAgentData.platform : undefined;
    const resp = await fetch(FB.paths.phones, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ public_key: jwk, label }),
    });
    if (resp.status !== 201) throw new Error("register: " + resp.status);
    const { key_id: keyId } = await resp.json();
    const salt = crypto.getRandomValues(new Uint8Array(16));
    const hash = await derive(pin, salt, FB.pin.iterations);
    await idb("learners", "readwrite", (s) => {
      s.learners.put({
        user_id: who.user_id, name: who.name, lang: who.lang, key_id: keyId, key: keys.privateKey,
        pin: { salt, iterations: FB.pin.iterations, hash }, fails: 0, locked: false,
      });
    });
    const all = await getJSON(FB.paths.meProgress);
    if (all.body && all.body.user_id === who.user_id) await storeProgress(who.user_id, all.body.courses);
  }

  async function forget() {
    const l = await idb("learners", "readonly", (s) => s.learners.get(who.user_id));
    if (!l) return;
    const resp = await fetch(FB.paths.phoneForget.replace(":id", encodeURIComponent(l.key_id)), {
      method: "POST", credentials: "same-origin", headers: { Accept: "application/json" },
    });
    if (resp.status !== 204 && resp.status !== 404) throw new Error("forget: " + resp.status);
    await idb("learners", "readwrite", (s) => { s.learners.delete(l.user_id); });
    phoneNote(text("forgotten", { name: l.name }));
  }

  if (phone) {
    $("#pin-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const pin = $("#pin").value;
      if (!goodPIN(pin)) {
        pinError("#pin-error", text("pin_format"));
        return;
      }
      pick(pin).catch(() => pinError("#pin-error", text("failed_retry")));
    });
    $("#pin-cancel").addEventListener("click", () => { $("#pin-form").hidden = true; picking = null; });
    $("#optin-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const pin = $("#new-pin").value;
      if (!goodPIN(pin)) return pinError("#optin-error", text("pin_format"));
      if (pin !== $("#new-pin2").value) return pinError("#optin-error", text("pin_mismatch"));
      if (!navigator.onLine) return pinError("#optin-error", text("need_online"));
      pinError("#optin-error", "");
      return optIn(pin)
        .then(() => { phoneNote(text("optin_done", { name: who.name })); return refresh(); })
        .catch(() => pinError("#optin-error", text("failed_retry")));
    });
    $("#forget").addEventListener("click", () => {
      if (!navigator.onLine) { phoneNote(text("need_online")); return; }
      forget().then(() => refresh()).catch(() => phoneNote(text("failed_retry")));
    });
  }

  // ---- the worker and the banners --------------------------------------------------
  if (sw) {
    sw.register(FB.paths.worker, { scope: FB.paths.home });
    sw.addEventListener("message", (e) => {
      const d = e.data || {};
      // After changes reached the server, its view is the truth again.
      if (d.type === "queue-changed") refresh(d.synced).then(() => (d.synced && neutral ? personal() : null));
      if (d.type === "who-changed") refresh();
      if (d.type === "save-progress") saveProgress(d);
    });
    ask({ type: "hello", lang: TAG });
  }
  window.addEventListener("online", () => { refresh(); ask({ type: "sync" }); });
  window.addEventListener("offline", () => refresh());
  // A page brought back from the back/forward cache may show someone who
  // has signed out since.
  window.addEventListener("pageshow", (e) => { if (e.persisted) refresh().then(personal); });
  const syncNow = $("#sync-now");
  if (syncNow) syncNow.addEventListener("click", () => ask({ type: "sync" }));
  refresh().then(() => (!neutral || status || lessonList || isHome || phone ? personal() : null)).catch(() => {});

  // Signing out with changes waiting: warn once, then let it go (they stay
  // on this phone and sync when this learner is back).
  const logout = $("#logout-form");
  if (logout) {
    logout.addEventListener("submit", (e) => {
      const n = queue.length;
      if (n > 0 && !logout.dataset.warned) {
        e.preventDefault();
        logout.dataset.warned = "1";
        const w = $("#logout-warning");
        w.textContent = text("logout_warning", null, n);
        w.hidden = false;
      }
    });
  }

  // "Save this course for offline".
  const save = $("#offline-save");
  const saveUrls = () => save.dataset.urls.split(" ").filter(Boolean);
  function saveProgress(d) {
    if (!save) return;
    const bar = $("progress", save);
    const words = $(".save-text", save);
    bar.max = d.total;
    bar.value = d.done;
    bar.hidden = d.done === d.total || !!d.removed;
    const complete = d.done === d.total && !d.removed;
    const vars = { done: d.done, total: d.total };
    words.textContent = d.removed ? text("save_removed") : complete ? text("save_done") :
      d.partial ? text("save_partial", vars, d.total) : d.failed ? text("save_failed", vars) : text("save_progress", vars);
    save.dataset.saved = complete ? "1" : "";
    $("#save-course").hidden = complete;
    $("#unsave-course").hidden = !complete;
  }
  if (save && sw && window.caches) {
    save.hidden = false;
    caches.open(FB.caches.pages)
      .then((c) => Promise.all(saveUrls().map((u) => c.match(cacheKey(u, TAG)))))
      .then((hits) => {
        const n = hits.filter(Boolean).length;
        if (n === hits.length) saveProgress({ done: n, total: hits.length });
        else if (n > 0) saveProgress({ done: n, total: hits.length, partial: true });
      });
    $("#save-course").addEventListener("click", () => ask({ type: "save", urls: saveUrls(), lang: TAG }));
    $("#unsave-course").addEventListener("click", () => ask({ type: "unsave", urls: saveUrls() }));
  }

  // Lesson form: an uploaded file's Markdown (sent by the server in
  // HX-Trigger) goes into the lesson text at the cursor, or at the end if
  // the text was never touched.
  document.addEventListener("focusin", (e) => { if (e.target.id === "body") e.target.dataset.cursor = "1"; });
  document.body.addEventListener("fieldbook:media", (e) => {
    const body = $("#body");
    const md = e.detail && e.detail.markdown;
    const file = $("#media-file");
    if (!body || !md) return;
    const at = body.dataset.cursor ? body.selectionEnd : body.value.length;
    const before = body.value.slice(0, at);
    const gap = before && !/\n\n$/.test(before) ? (/\n$/.test(before) ? "\n" : "\n\n") : "";
    body.setRangeText(gap + md + "\n", at, at, "end");
    body.focus();
    if (file) file.value = "";
  });

  // The header's menu (a <details>: it opens without JavaScript too) closes
  // when the person taps elsewhere or presses Escape.
  const menu = $("header details.menu");
  if (menu) {
    document.addEventListener("click", (e) => { if (menu.open && !menu.contains(e.target)) menu.open = false; });
    document.addEventListener("keydown", (e) => {
      if (e.key !== "Escape" || !menu.open) return;
      menu.open = false;
      $("summary", menu).focus();
    });
  }

  // Install as an app where the browser offers it.
  let deferred = null;
  const install = $("#install");
  window.addEventListener("beforeinstallprompt", (e) => {
    e.preventDefault();
    deferred = e;
    if (install) install.hidden = false;
  });
  if (install) {
    install.addEventListener("click", () => {
      if (!deferred) return;
      deferred.prompt();
      deferred = null;
      install.hidden = true;
    });
  }
})();
