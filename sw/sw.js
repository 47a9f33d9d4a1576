// Fieldbook service worker: plain JavaScript, no build step.
// The server prepends constants when it serves this file at /sw.js:
//   VERSION  - derived from the build's asset hash; names the shell cache
//   PRECACHE - the app shell: the offline page, CSS, htmx, app.js, icons
//   ROUTES   - route name -> regular expression source of its path (the
//              router's table; parameters are capture groups, in order)
//   PATHS    - route name -> its path pattern, ":id" and the like to fill
/* global VERSION, PRECACHE, ROUTES, PATHS */
"use strict";

const SHELL = "fieldbook-shell-" + VERSION;
const PAGES = "fieldbook-pages"; // course and lesson pages and their media; kept across updates
const NAV_TIMEOUT_MS = 3000;
const POST_TIMEOUT_MS = 8000;
const BATCH = 50;
const PAGE_PATH = new RegExp([ROUTES.home, ROUTES.course, ROUTES.lesson].join("|"));
const MEDIA_PATH = new RegExp(ROUTES.media); // immutable: the address is the content
const COMPLETE_PATH = new RegExp(ROUTES.lessonComplete);
const STATIC_PATH = new RegExp(ROUTES.static);

// ---- IndexedDB: the queue of completions made offline ---------------------
// Stores: queue (waiting to sync), failed (the server refused them), meta,
// and known (the last state this device saw the server accept, per user and
// lesson, to correct cached pages that are older than it).
const DB_VERSION = 2;
function openDB() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open("fieldbook", DB_VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      for (const [name, opts] of [["queue", { keyPath: "id" }], ["failed", { keyPath: "id" }], ["meta", undefined], ["known", { keyPath: "key" }]]) {
        if (!db.objectStoreNames.contains(name)) db.createObjectStore(name, opts);
      }
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx(store, mode, fn) {
  const db = await openDB();
  return new Promise((resolve, reject) => {
    const t = db.transaction(store, mode);
    const result = fn(t.objectStore(store));
    t.oncomplete = () => { db.close(); resolve(result && "result" in result ? result.result : result); };
    t.onerror = t.onabort = () => { db.close(); reject(t.error); };
  });
}

const queueAll = () => tx("queue", "readonly", (s) => s.getAll());
const metaGet = (key) => tx("meta", "readonly", (s) => s.get(key));
const metaSet = (key, value) => tx("meta", "readwrite", (s) => s.put(value, key));

// ---- install and activate -------------------------------------------------
self.addEventListener("install", (event) => {
  event.waitUntil(
    // Hashed files may come from the HTTP cache (their URL is their
    // content); the offline page is fetched fresh.
    caches.open(SHELL)
      .then((c) => c.addAll(PRECACHE.map((u) => (STATIC_PATH.test(u) ? u : new Request(u, { cache: "reload" })))))
      .then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("fieldbook-shell-") && name !== SHELL) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// ---- fetch ----------------------------------------------------------------
self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.method === "POST") {
    const m = url.pathname.match(COMPLETE_PATH);
    if (m) event.respondWith(complete(req, m[1]));
    return;
  }
  if (req.method !== "GET") return;
  if (STATIC_PATH.test(url.pathname)) {
    event.respondWith(cacheFirst(req, SHELL));
  } else if (MEDIA_PATH.test(url.pathname)) {
    event.respondWith(cacheFirst(req, PAGES));
  } else if (req.mode === "navigate") {
    event.respondWith(navigate(req, url));
  }
  // Everything else (the API, sign-in, authoring) goes to the network as is.
});

// Only whole answers are kept (an <audio> range request gets a 206).
async function cacheFirst(req, cacheName) {
  const hit = await caches.match(req.url, { ignoreVary: true });
  if (hit) return hit;
  const resp = await fetch(req);
  if (resp.status === 200) (await caches.open(cacheName)).put(req.url, resp.clone());
  return resp;
}

function fetchWithTimeout(req, ms) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), ms);
  return fetch(req, { signal: ctl.signal }).finally(() => clearTimeout(timer));
}

function cacheable(url, resp) {
  return PAGE_PATH.test(url.pathname) && resp.ok && !resp.redirected &&
    (resp.headers.get("Content-Type") || "").startsWith("text/html");
}

// Network first with a short timeout; then the cached copy of the page, then
// the offline page. A late network answer still refreshes the cache.
async function navigate(req, url) {
  const network = fetch(req).then(async (resp) => {
    if (cacheable(url, resp)) await (await caches.open(PAGES)).put(url.pathname, resp.clone());
    return resp;
  });
  try {
    return await Promise.race([
      network,
      new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), NAV_TIMEOUT_MS)),
    ]);
  } catch (err) {
    network.catch(() => {});
    const cached = await caches.match(url.pathname, { cacheName: PAGES });
    if (cached) return markOffline(cached);
    const offline = await caches.match(PATHS.offline, { cacheName: SHELL });
    return offline ? markOffline(offline) : Response.error();
  }
}

// A page served from the cache says so, for the "Offline" banner.
async function markOffline(resp) {
  const html = (await resp.text()).replace("<body", '<body data-offline="1"');
  return new Response(html, { status: 200, headers: { "Content-Type": "text/html; charset=utf-8" } });
}

// A completion goes to the server when it can. When the server cannot be
// reached (a network error or a timeout, never an HTTP error) it is queued
// with a fresh id and the page is answered at once.
async function complete(req, lessonId) {
  const form = await req.clone().formData().catch(() => null);
  try {
    const resp = await fetchWithTimeout(req, POST_TIMEOUT_MS);
    if (resp.ok && form && form.get("user_id")) {
      remember([{ user: form.get("user_id"), lesson_id: lessonId, completed: form.get("completed") === "true" }]).catch(() => {});
    }
    return resp;
  } catch (err) {
    const user = form && form.get("user_id");
    if (!user) return new Response("You are offline.", { status: 503 });
    const item = {
      id: crypto.randomUUID(),
      user: user,
      lesson_id: lessonId,
      completed: form.get("completed") === "true",
      at: new Date().toISOString(),
    };
    await tx("queue", "readwrite", (s) => s.put(item));
    if (self.registration.sync) self.registration.sync.register("fieldbook-sync").catch(() => {});
    notify();
    scheduleRetry();
    if (req.headers.get("HX-Request")) {
      return new Response(statusFragment(item, form), { headers: { "Content-Type": "text/html; charset=utf-8" } });
    }
    return Response.redirect(PATHS.lesson.replace(":id", lessonId), 303);
  }
}

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");

// The same shape as the server's lesson status fragment, marked pending.
function statusFragment(item, form) {
  const total = parseInt(form.get("total"), 10) || 0;
  let done = parseInt(form.get("done"), 10) || 0;
  done = Math.max(0, Math.min(total, done + (item.completed ? 1 : -1)));
  const pct = total ? Math.floor((done * 100) / total) : 0;
  const action = PATHS.lessonComplete.replace(":id", esc(item.lesson_id));
  return '<section id="lesson-status" class="status" aria-live="polite" data-pending="1">' +
    '<form method="post" action="' + action + '" hx-post="' + action + '" hx-target="#lesson-status" hx-swap="outerHTML">' +
    (item.completed ? '<p class="done-note">✓ You completed this lesson.</p>' : "") +
    '<p class="pending-note">Waiting to sync</p>' +
    '<input type="hidden" name="user_id" value="' + esc(item.user) + '">' +
    '<input type="hidden" name="done" value="' + done + '">' +
    '<input type="hidden" name="total" value="' + total + '">' +
    '<input type="hidden" name="completed" value="' + (!item.completed) + '">' +
    '<button type="submit"' + (item.completed ? ' class="secondary">Mark not complete' : ">Mark complete") + "</button></form>" +
    '<div class="progress"><progress max="' + total + '" value="' + done + '" aria-label="Course progress"></progress> ' +
    '<span class="progress-text">' + (total ? done + " of " + total + " lessons done (" + pct + "%)" : "No lessons yet") + "</span></div></section>";
}

// ---- replay ---------------------------------------------------------------
// Triggers: Background Sync where the browser has it, every page load (the
// page says hello), the page's online event, "Sync now", and a retry with
// backoff while items remain. Only the signed-in user's items are sent.
let replaying = null;
let retryDelay = 5000;
let retryTimer = null;

function replay() {
  if (!replaying) replaying = doReplay().finally(() => { replaying = null; });
  return replaying;
}

function scheduleRetry() {
  if (retryTimer) return;
  retryTimer = setTimeout(() => { retryTimer = null; replay(); }, retryDelay);
  retryDelay = Math.min(retryDelay * 2, 5 * 60 * 1000);
}

async function doReplay() {
  const user = await metaGet("user");
  if (!user) return;
  let items = (await queueAll()).filter((i) => i.user === user).sort((a, b) => (a.at < b.at ? -1 : 1));
  let sent = 0;
  while (items.length) {
    const batch = items.slice(0, BATCH);
    let resp;
    try {
      resp = await fetchWithTimeout(new Request(PATHS.sync, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ changes: batch.map((i) => ({
          id: i.id, user_id: i.user, lesson_id: i.lesson_id, completed: i.completed, at: i.at,
        })) }),
      }), 30000);
    } catch (err) {
      scheduleRetry();
      notify();
      return;
    }
    if (resp.status === 401 || resp.status === 403) {
      // The session expired: keep everything until the learner signs in.
      await metaSet("auth", "expired");
      notify();
      return;
    }
    if (!resp.ok) {
      scheduleRetry();
      notify();
      return;
    }
    const { results } = await resp.json();
    const accepted = new Set(results.filter((r) => r.status === "applied").map((r) => r.id));
    await remember(batch.filter((i) => accepted.has(i.id)));
    await tx("queue", "readwrite", (q) => {
      for (const r of results) {
        if (r.status === "applied" || r.status === "duplicate" || r.status === "stale") {
          q.delete(r.id);
        }
      }
    });
    const refused = results.filter((r) => r.status === "rejected" && r.reason !== "wrong_user");
    if (refused.length) {
      const byId = new Map(batch.map((i) => [i.id, i]));
      await tx("failed", "readwrite", (f) => {
        for (const r of refused) f.put(Object.assign({}, byId.get(r.id), { reason: r.reason }));
      });
      await tx("queue", "readwrite", (q) => { for (const r of refused) q.delete(r.id); });
    }
    sent += batch.length;
    items = items.slice(batch.length);
  }
  await metaSet("auth", "ok");
  retryDelay = 5000;
  notify(sent > 0);
}

// remember records states the server accepted, the latest per lesson.
function remember(items) {
  if (!items.length) return Promise.resolve();
  const at = new Date().toISOString();
  return tx("known", "readwrite", (s) => {
    for (const i of items) s.put({ key: i.user + ":" + i.lesson_id, user: i.user, lesson_id: i.lesson_id, completed: i.completed, at: i.at || at });
  });
}

async function notify(synced) {
  for (const c of await self.clients.matchAll({ includeUncontrolled: true })) {
    c.postMessage({ type: "queue-changed", synced: !!synced });
  }
}

self.addEventListener("sync", (event) => {
  if (event.tag === "fieldbook-sync") event.waitUntil(replay());
});

// ---- messages from pages --------------------------------------------------
self.addEventListener("message", (event) => {
  const msg = event.data || {};
  if (msg.type === "hello") event.waitUntil(hello(msg.user || ""));
  else if (msg.type === "sync") event.waitUntil(replay());
  else if (msg.type === "save") event.waitUntil(saveForOffline(msg.urls || [], event.source));
  else if (msg.type === "unsave") event.waitUntil(unsave(msg.urls || [], event.source));
});

// hello: a page loaded, signed in as user ("" when signed out). Pages of one
// learner are never shown to another on a shared phone.
async function hello(user) {
  const previous = await metaGet("user");
  if (user && previous && previous !== user) await caches.delete(PAGES);
  if (user) await metaSet("user", user);
  if (user) await replay();
}

// "Save this course for offline": fetch every page and media file not yet
// cached, reporting progress; a half-saved course finishes on the next try.
async function saveForOffline(urls, client) {
  const cache = await caches.open(PAGES);
  let done = 0;
  const report = (failed) => client && client.postMessage({ type: "save-progress", done, total: urls.length, failed: !!failed });
  for (const u of urls) {
    const media = MEDIA_PATH.test(u);
    if (!media && !PAGE_PATH.test(u)) continue;
    if (!(await cache.match(u, { ignoreVary: true }))) {
      try {
        const resp = await fetchWithTimeout(new Request(u, { credentials: "same-origin" }), media ? 60000 : 15000);
        if (media ? resp.status !== 200 : !cacheable(new URL(u, self.location.origin), resp)) throw new Error("not saved");
        await cache.put(u, resp);
      } catch (err) {
        report(true);
        return;
      }
    }
    done++;
    report(false);
  }
}

async function unsave(urls, client) {
  const cache = await caches.open(PAGES);
  for (const u of urls) await cache.delete(u);
  if (client) client.postMessage({ type: "save-progress", done: 0, total: urls.length, removed: true });
}
