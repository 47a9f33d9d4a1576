// Fieldbook service worker: plain JavaScript (ES2020), no build step.
// The server puts in front of it, when it serves this file at /sw.js:
//   PRECACHE - the app shell every phone gets: CSS, icons
//   SHELL_PAGES, SCRIPTS - the offline page and "Who is learning?" (each
//              fetched as ?lang=<tag>), and app.js by language: kept for
//              each language the phone uses
//   VERSION  - derived from the build's asset hash; names the shell cache
//   TEXTS    - the few texts the worker says itself, in every language
//   SOURCE, LANGS - the source language's tag; every language's locale and
//              direction, by tag
//   LANG, FB, TEXT and shared.js - the constants (database, caches, and the
//              router's paths: FB.routes, regular expression sources, and
//              FB.paths, patterns to fill), the texts and the database code
//              the page shares
/* global VERSION, PRECACHE, SHELL_PAGES, SCRIPTS, TEXTS, SOURCE, LANGS, FB, idb, text, pageKey, cacheKey, rememberDone, attemptMessage */
"use strict";

const SHELL = FB.caches.shellPrefix + VERSION;
// Content: course and lesson pages and their media, the same for every
// learner of the phone. Kept across updates and across sign-ins.
const PAGES = FB.caches.pages;
const NAV_TIMEOUT_MS = 3000;
const POST_TIMEOUT_MS = 8000;
const BATCH = 50;
const PAGE_PATH = new RegExp([FB.routes.home, FB.routes.course, FB.routes.lesson].join("|"));
const MEDIA_PATH = new RegExp(FB.routes.media);
const COMPLETE_PATH = new RegExp(FB.routes.lessonComplete);
const STATIC_PATH = new RegExp(FB.routes.static);

// ---- languages ------------------------------------------------------------------
// Pages are cached by path and interface language (pageKey). The phone's
// language is that of the last page the server sent (meta "lang"); the
// learner using the phone has their own (current().lang). Offline, a page
// is served in the learner's language when the phone has that copy, else
// in the phone's, else in any language it has.
let phoneLang = SOURCE;
const phoneLangLoad = idb("meta", "readonly", (s) => s.meta.get("lang"))
  .then((l) => { if (LANGS[l]) phoneLang = l; }).catch(() => {});

function setPhoneLang(lang) {
  if (!LANGS[lang] || lang === phoneLang) return;
  phoneLang = lang;
  idb("meta", "readwrite", (s) => { s.meta.put(lang, "lang"); }).catch(() => {});
}

// langOf is the interface language of a page the server sent.
function langOf(resp) {
  const l = resp.headers.get("Content-Language");
  return LANGS[l] ? l : SOURCE;
}

// preferred lists every language, the current learner's first, then the
// phone's.
async function preferred() {
  await phoneLangLoad;
  const who = await current().catch(() => null);
  return Array.from(new Set([who && who.lang, phoneLang, ...Object.keys(LANGS)].filter((l) => LANGS[l])));
}

const shellURL = (path, lang) => path + "?lang=" + encodeURIComponent(lang);

// ensureShell keeps the offline page, "Who is learning?" and app.js in
// lang, fetching what the shell lacks (the phone is online when it learns a
// language: a page in it loaded, or its learner signed in or opted in).
async function ensureShell(lang) {
  if (!LANGS[lang]) return;
  const c = await caches.open(SHELL);
  for (const u of SHELL_PAGES.map((p) => shellURL(p, lang)).concat(SCRIPTS[lang])) {
    if (await c.match(u)) continue;
    const resp = await network(new Request(u, { credentials: "same-origin" }));
    if (resp.ok) await c.put(u, resp);
  }
}

// ---- who uses the phone ----------------------------------------------------
// meta "current" is the learner the phone knows: {user_id, name, lang,
// role, via: "session" | "pin"}, written by app.js from GET /api/me or the
// PIN check, never from a page. meta "logout" is a sign-out made while
// offline: the server's session must end before any other request leaves.
const current = () => idb("meta", "readonly", (s) => s.meta.get("current"));

let logoutPending; // undefined until read from the database
let logoutLoad = null;
let signingOut = null;

function loadLogout() {
  logoutLoad = idb("meta", "readonly", (s) => s.meta.get("logout"))
    .then((v) => { logoutPending = !!v; })
    .catch(() => { logoutPending = false; });
  return logoutLoad;
}
loadLogout();

// signOutFirst ends a pending sign-out on the server (POST /logout with the
// browser's cookie, which also clears it) and resolves true when nothing
// stands before other requests; false when the server cannot be reached.
async function signOutFirst() {
  if (logoutPending === undefined) await logoutLoad;
  if (!logoutPending) return true;
  if (!signingOut) {
    signingOut = (async () => {
      try {
        const resp = await fetchWithTimeout(new Request(FB.paths.logout, {
          method: "POST", credentials: "same-origin", redirect: "manual",
        }), POST_TIMEOUT_MS);
        if (resp.status >= 500) return false;
      } catch (err) {
        return false;
      }
      logoutPending = false;
      await idb("meta", "readwrite", (s) => { s.meta.delete("logout"); });
      return true;
    })().finally(() => { signingOut = null; });
  }
  return signingOut;
}

// network sends req once no sign-out is pending.
async function network(req, ms) {
  if (!(await signOutFirst())) throw new Error("a sign-out is waiting for the network");
  return ms ? fetchWithTimeout(req, ms) : fetch(req);
}

function fetchWithTimeout(req, ms) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), ms);
  return fetch(req, { signal: ctl.signal }).finally(() => clearTimeout(timer));
}

// ---- install and activate ---------------------------------------------------
self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    // Hashed files may come from the HTTP cache (their URL is their
    // content); the offline page is fetched fresh, in the language the
    // server answers this phone in, then the shell in each language the
    // phone's learners read.
    const c = await caches.open(SHELL);
    await c.addAll(PRECACHE);
    const offline = await fetch(new Request(FB.paths.offline, { cache: "reload" }));
    if (!offline.ok) throw new Error("offline page: " + offline.status);
    setPhoneLang(langOf(offline));
    await c.put(shellURL(FB.paths.offline, langOf(offline)), offline);
    await ensureShell(langOf(offline));
    for (const l of await langsInUse()) await ensureShell(l).catch(() => {});
    await self.skipWaiting();
  })());
});

// langsInUse are the languages of the learners this phone knows.
async function langsInUse() {
  const [who, list] = await idb(["meta", "learners"], "readonly", (s) => [s.meta.get("current"), s.learners.getAll()])
    .catch(() => [null, []]);
  return Array.from(new Set([phoneLang, who && who.lang, ...list.map((l) => l.lang)].filter((l) => LANGS[l])));
}

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(FB.caches.shellPrefix) && name !== SHELL) await caches.delete(name);
    }
    await keyByLanguage();
    await self.clients.claim();
  })());
});

// keyByLanguage files pages saved before the cache knew languages under
// their language (each copy carries the Content-Language it was sent
// with), so saved courses stay saved across the update.
async function keyByLanguage() {
  const cache = await caches.open(PAGES);
  for (const req of await cache.keys()) {
    const url = new URL(req.url);
    if (url.search || !PAGE_PATH.test(url.pathname)) continue;
    const resp = await cache.match(req);
    if (resp) await cache.put(pageKey(url.pathname, langOf(resp)), resp);
    await cache.delete(req);
  }
}

// ---- fetch --------------------------------------------------------------------
self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.method === "POST" && url.pathname === FB.paths.logout) {
    event.respondWith(signOut());
  } else if (req.method === "POST" && COMPLETE_PATH.test(url.pathname)) {
    event.respondWith(complete(req, url.pathname.match(COMPLETE_PATH)[1]));
  } else if (req.method === "GET" && STATIC_PATH.test(url.pathname)) {
    event.respondWith(cacheFirst(req, SHELL));
  } else if (req.method === "GET" && MEDIA_PATH.test(url.pathname)) {
    event.respondWith(cacheFirst(req, PAGES));
  } else if (req.method === "GET" && req.mode === "navigate") {
    event.respondWith(navigate(req, url));
  } else if (logoutPending !== false) {
    // Everything else (the API, sign-in, authoring) goes to the network as
    // is, after a pending sign-out.
    event.respondWith(network(req));
  }
});

// Only whole answers are kept (an <audio> range request gets a 206).
async function cacheFirst(req, cacheName) {
  const hit = await caches.match(req.url, { ignoreVary: true });
  if (hit) return hit;
  let resp;
  try {
    resp = await network(req);
  } catch (err) {
    // Offline, a page saved under an older build names an older hashed
    // file: this build's file of that name stands in.
    const same = await sameName(req.url);
    if (same) return same;
    throw err;
  }
  if (resp.status === 200) (await caches.open(cacheName)).put(req.url, resp.clone());
  return resp;
}

function sameName(url) {
  const name = new URL(url).pathname.split("/").pop();
  const current = PRECACHE.concat(Object.values(SCRIPTS))
    .find((u) => u.startsWith("/static/") && u.split("/").pop() === name);
  return current ? caches.match(current, { cacheName: SHELL }) : Promise.resolve(undefined);
}

// Only the pages themselves: a filtered list (/?lang=fr) is not the page.
function cacheable(url, resp) {
  return PAGE_PATH.test(url.pathname) && !url.search && resp.ok && !resp.redirected &&
    (resp.headers.get("Content-Type") || "").startsWith("text/html");
}

// Network first with a short timeout; then the cached copy of the page, then
// the offline page. A late network answer still refreshes the cache. Pages
// are neutral, so one copy per language serves every learner.
async function navigate(req, url) {
  const fresh = network(req).then(async (resp) => {
    if (resp.ok && (resp.headers.get("Content-Type") || "").startsWith("text/html")) setPhoneLang(langOf(resp));
    if (cacheable(url, resp)) await (await caches.open(PAGES)).put(pageKey(url.pathname, langOf(resp)), resp.clone());
    return resp;
  });
  try {
    return await Promise.race([
      fresh,
      new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), NAV_TIMEOUT_MS)),
    ]);
  } catch (err) {
    fresh.catch(() => {});
    const langs = await preferred();
    const cached = await cachedPage(url, langs);
    return cached ? markOffline(cached, langs[0]) : Response.error();
  }
}

// cachedPage is the copy of the page in the first of langs the phone has:
// a saved page, else the page of the shell ("Who is learning?"), else the
// offline page.
async function cachedPage(url, langs) {
  const tries = [];
  if (PAGE_PATH.test(url.pathname) && !url.search) tries.push(...langs.map((l) => [PAGES, pageKey(url.pathname, l)]));
  const shell = SHELL_PAGES.includes(url.pathname) ? [url.pathname, FB.paths.offline] : [FB.paths.offline];
  for (const p of shell) tries.push(...langs.map((l) => [SHELL, shellURL(p, l)]));
  for (const [cacheName, key] of tries) {
    const hit = await caches.match(key, { cacheName });
    if (hit) return hit;
  }
  return null;
}

// A page served from the cache says so, for the "Offline" banner, and keeps
// the headers the server sent (Content-Security-Policy, nosniff, framing).
// A copy in another language than the learner's (lang) gets the learner's
// page script when the phone has it, so what the page draws for them (their
// progress, what waits to sync) is in their language.
async function markOffline(resp, lang) {
  let html = (await resp.text()).replace("<body", '<body data-offline="1"');
  const have = langOf(resp);
  if (lang !== have && SCRIPTS[have] && SCRIPTS[lang] && await caches.match(SCRIPTS[lang], { cacheName: SHELL })) {
    html = html.replace(SCRIPTS[have], SCRIPTS[lang]);
  }
  const headers = new Headers(resp.headers);
  headers.delete("Content-Length");
  headers.delete("Content-Encoding");
  return new Response(html, { status: 200, headers });
}

function answer(status, body) {
  return new Response(JSON.stringify(body), {
    status, headers: { "Content-Type": "application/json", "Cache-Control": "no-store" },
  });
}

// ---- sign-out ---------------------------------------------------------------
// The phone forgets the learner at once; the server's session ends now, or
// before any other request once the network is back.
async function signOut() {
  await idb("meta", "readwrite", (s) => {
    s.meta.delete("current");
    s.meta.put(true, "logout");
  });
  logoutPending = true;
  await tell({ type: "who-changed" });
  await signOutFirst();
  return Response.redirect(FB.paths.home, 303);
}

// ---- completions --------------------------------------------------------------
// A completion belongs to the learner the phone knows, never to a field of
// the page. A signed-in learner's goes to the server when it can, and is
// queued when the server cannot be reached (a network error or a timeout,
// never an HTTP error). A learner picked with their PIN has no session: their
// change is signed at once with their key and queued. With nobody known it
// is refused: the page asks the person to sign in or pick their name.
async function complete(req, lessonId) {
  const form = await req.clone().formData().catch(() => null);
  const completed = form && form.get("completed");
  if (completed !== "true" && completed !== "false") {
    return network(req).catch(async () => answer(400, { error: say(await current(), "failed_retry") }));
  }
  const who = await current();
  if (!who) return answer(401, { error: say(null, "need_learner") });
  if (who.via === "session") {
    try {
      return await network(req, POST_TIMEOUT_MS);
    } catch (err) {
      // queued below
    }
  }
  const item = await enqueue(who, {
    lesson_id: lessonId, course_id: form.get("course_id") || "", completed: completed === "true",
  });
  if (req.mode === "navigate") return Response.redirect(FB.paths.lesson.replace(":id", lessonId), 303);
  return answer(202, { user_id: item.user, lesson_id: lessonId, course_id: item.course_id, completed: item.completed, queued: true });
}

// say is one of the worker's own texts (TEXTS) in the language of the
// learner it knows, else in the phone's, else in the source language.
function say(who, key) {
  const texts = TEXTS[(who && who.lang) || phoneLang] || {};
  return texts[key] || text(key);
}

async function enqueue(who, change) {
  const item = Object.assign({ id: crypto.randomUUID(), user: who.user_id }, change, { at: new Date().toISOString() });
  const learner = await idb("learners", "readonly", (s) => s.learners.get(who.user_id));
  if (learner && learner.key) await (item.kind === "attempt" ? signAttempt(item, learner) : sign(item, learner));
  await idb("queue", "readwrite", (s) => { s.queue.put(item); });
  if (self.registration.sync) self.registration.sync.register("fieldbook-sync").catch(() => {});
  notify();
  if (item.sig) replay();
  else scheduleRetry();
  return item;
}

// sign adds the learner's signature: ECDSA P-256 over the change's fields
// (the server checks the same text with the public key it keeps).
async function sign(item, learner) {
  const msg = [FB.signedPrefix, item.id, item.user, item.lesson_id, String(item.completed), item.at].join("\n");
  const sig = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, learner.key, new TextEncoder().encode(msg));
  item.key_id = learner.key_id;
  item.sig = base64url(new Uint8Array(sig));
}

// ---- quiz attempts ------------------------------------------------------------
// The quiz on a lesson page hands each attempt over; like a completion it
// belongs to the learner the phone knows. It is always queued first (its
// id is made here, once) and sent at once when the network allows: the
// server grades it and its grade comes back to the page through the
// "graded" store. With nobody known it is refused.
async function queueAttempt(a) {
  const who = await current();
  if (!who || !a || !a.lesson_id) return { error: "need_learner" };
  const item = await enqueue(who, {
    kind: "attempt", lesson_id: a.lesson_id, course_id: a.course_id || "", version: a.version,
    answers: a.answers || {}, preview: a.preview || null,
  });
  if (!item.sig) replay();
  return { id: item.id, user: item.user };
}

function wireAttempt(i) {
  return { id: i.id, user_id: i.user, lesson_id: i.lesson_id, version: i.version, answers: i.answers, at: i.at };
}

// signAttempt adds the learner's signature over the attempt's canonical
// text (attemptMessage, shared.js; the server checks the same text).
async function signAttempt(item, learner) {
  const msg = attemptMessage(wireAttempt(item));
  const sig = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, learner.key, new TextEncoder().encode(msg));
  item.key_id = learner.key_id;
  item.sig = base64url(new Uint8Array(sig));
}

function base64url(bytes) {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// ---- replay -------------------------------------------------------------------
// Triggers: Background Sync where the browser has it, every page load (the
// page says hello), the page's online event, "Sync now", a learner signing
// in or being picked, and a retry with backoff while items remain. Signed
// items go by themselves, without the session cookie: the server judges them
// by their key alone. Unsigned items (and signed ones whose key was revoked)
// go only under their own learner's session.
let replaying = null;
let retryDelay = 5000;
let retryTimer = null;

function replay() {
  if (!replaying) replaying = doReplay().catch(() => scheduleRetry()).finally(() => { replaying = null; });
  return replaying;
}

function scheduleRetry() {
  if (retryTimer) return;
  retryTimer = setTimeout(() => { retryTimer = null; replay(); }, retryDelay);
  retryDelay = Math.min(retryDelay * 2, 5 * 60 * 1000);
}

async function doReplay() {
  if (!(await signOutFirst())) {
    scheduleRetry();
    return;
  }
  const [who, all] = await idb(["meta", "queue"], "readonly", (s) => [s.meta.get("current"), s.queue.getAll()]);
  const items = all.sort((a, b) => (a.at < b.at ? -1 : 1));
  const signed = items.filter((i) => i.sig && !i.revoked);
  const mine = who && who.via === "session" ? items.filter((i) => i.user === who.user_id && (!i.sig || i.revoked)) : [];
  let sent = 0;
  for (const [list, withKey] of [[signed, true], [mine, false]]) {
    for (let i = 0; i < list.length; i += BATCH) {
      const batch = list.slice(i, i + BATCH);
      const outcome = await send(batch, withKey);
      if (outcome === "retry") {
        scheduleRetry();
        notify();
        return;
      }
      if (outcome === "refused") break; // no session for these: they wait
      sent += batch.length;
    }
  }
  retryDelay = 5000;
  notify(sent > 0);
}

async function send(batch, withKey) {
  let resp;
  try {
    resp = await fetchWithTimeout(new Request(FB.paths.sync, {
      method: "POST",
      credentials: withKey ? "omit" : "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        changes: batch.filter((i) => i.kind !== "attempt").map((i) => wire(i, withKey)),
        attempts: batch.filter((i) => i.kind === "attempt").map((i) => wire(i, withKey)),
      }),
    }), 30000);
  } catch (err) {
    return "retry";
  }
  if (resp.status === 401 || resp.status === 403) return "refused";
  if (!resp.ok) return "retry";
  const body = await resp.json();
  await settle(batch, (body.results || []).concat(body.attempt_results || []));
  return "sent";
}

function wire(i, withKey) {
  const c = i.kind === "attempt" ? wireAttempt(i) :
    { id: i.id, user_id: i.user, lesson_id: i.lesson_id, completed: i.completed, at: i.at };
  if (withKey) Object.assign(c, { key_id: i.key_id, sig: i.sig });
  return c;
}

// settle applies the server's answers: accepted items leave the queue (an
// attempt's grade goes to the graded store, and a passing one completes its
// lesson in the learner's known progress); an item whose key was revoked
// stays, marked to go under its learner's session (and that key leaves the
// phone's list); another learner's stays queued for them; what the server
// refused as invalid moves to the failed list.
async function settle(batch, results) {
  const byId = new Map(batch.map((i) => [i.id, i]));
  const applied = [];
  const revokedKeys = new Set();
  await idb(["queue", "failed", "learners", "graded"], "readwrite", (s) => {
    for (const r of results) {
      const item = byId.get(r.id);
      if (!item) continue;
      if (r.status === "applied" || r.status === "duplicate" || r.status === "stale") {
        s.queue.delete(r.id);
        if (item.kind === "attempt") {
          graded(s.graded, item, r);
          if (r.passed) applied.push({ user: item.user, lesson_id: item.lesson_id, course_id: item.course_id, completed: true });
        } else if (r.status === "applied") applied.push(item);
      } else if (r.status === "rejected" && r.reason === "revoked_key") {
        s.queue.put(Object.assign({}, item, { revoked: true }));
        revokedKeys.add(item.user + " " + item.key_id);
      } else if (r.status === "rejected" && r.reason !== "wrong_user") {
        s.failed.put(Object.assign({}, item, { reason: r.reason }));
        s.queue.delete(r.id);
      }
    }
    for (const k of revokedKeys) {
      const [user, keyId] = k.split(" ");
      const get = s.learners.get(user);
      get.onsuccess = () => { if (get.result && get.result.key_id === keyId) s.learners.delete(user); };
    }
  });
  const byUser = new Map();
  for (const i of applied) byUser.set(i.user, (byUser.get(i.user) || []).concat(i));
  for (const [user, items] of byUser) await rememberDone(user, items);
}

// graded keeps the server's grade of a learner's latest attempt at a
// lesson (an older attempt answered later leaves it alone).
function graded(store, item, r) {
  const key = item.user + ":" + item.lesson_id;
  const get = store.get(key);
  get.onsuccess = () => {
    if (get.result && get.result.at > item.at) return;
    store.put({ key, user: item.user, lesson_id: item.lesson_id, attempt_id: item.id, at: item.at,
      score: r.score, passed: r.passed, preview: item.preview || null });
  };
}

// tell sends msg to every page of this origin.
async function tell(msg) {
  for (const c of await self.clients.matchAll({ includeUncontrolled: true })) c.postMessage(msg);
}

function notify(synced) {
  return tell({ type: "queue-changed", synced: !!synced });
}

self.addEventListener("sync", (event) => {
  if (event.tag === "fieldbook-sync") event.waitUntil(replay());
});

// ---- messages from pages --------------------------------------------------------
// "hello" (every page load, with the page's language): replay, and keep the
// shell in that language. "who": a page changed who uses the phone (signed
// in, picked, signed out): re-read a pending sign-out, tell the other
// pages, replay, keep the shell in the learner's language. The reply on the
// message's port says it is done.
self.addEventListener("message", (event) => {
  const msg = event.data || {};
  const port = event.ports && event.ports[0];
  let work;
  if (msg.type === "hello") work = Promise.all([replay(), ensureShell(msg.lang).catch(() => {})]);
  else if (msg.type === "sync") work = replay();
  else if (msg.type === "who") {
    work = loadLogout().then(() => tell({ type: "who-changed" })).then(() => {
      replay();
      // In the background: the page waits for nothing but the above.
      event.waitUntil(current().then((who) => who && ensureShell(who.lang)).catch(() => {}));
    });
  }
  else if (msg.type === "save") work = saveForOffline(msg.urls || [], msg.lang, event.source);
  else if (msg.type === "unsave") work = unsave(msg.urls || [], event.source);
  else if (msg.type === "attempt") work = queueAttempt(msg.attempt);
  else return;
  event.waitUntil(work.catch(() => ({ error: "failed" })).then((r) => {
    if (port) port.postMessage(Object.assign({ done: true }, msg.type === "attempt" ? r : {}));
  }));
});

// "Save this course for offline": fetch every page and media file not yet
// cached, reporting progress; a half-saved course finishes on the next try.
// Pages are saved in the language the server answers the saving learner
// in (lang, that of the page they pressed "Save" on); what one learner saves
// is there for every learner of the phone.
async function saveForOffline(urls, lang, client) {
  const cache = await caches.open(PAGES);
  let done = 0;
  const report = (failed) => client && client.postMessage({ type: "save-progress", done, total: urls.length, failed: !!failed });
  for (const u of urls) {
    const media = MEDIA_PATH.test(u);
    if (!media && !PAGE_PATH.test(u)) continue;
    if (!(await cache.match(cacheKey(u, lang), { ignoreVary: true }))) {
      try {
        const resp = await network(new Request(u, { credentials: "same-origin" }), media ? 60000 : 15000);
        if (media ? resp.status !== 200 : !cacheable(new URL(u, self.location.origin), resp)) throw new Error("not saved");
        await cache.put(cacheKey(u, media ? "" : langOf(resp)), resp);
      } catch (err) {
        report(true);
        return;
      }
    }
    done++;
    report(false);
  }
}

// "Remove from this phone" removes the course in every language.
async function unsave(urls, client) {
  const cache = await caches.open(PAGES);
  for (const u of urls) {
    for (const l of Object.keys(LANGS)) await cache.delete(cacheKey(u, l));
  }
  if (client) client.postMessage({ type: "save-progress", done: 0, total: urls.length, removed: true });
}
