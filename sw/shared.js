// Shared by the service worker and the page script: the server serves it in
// front of both (after LANG, FB and TEXT, and before sw.js or app.js), so
// the phone's database and the texts are written once. ES2020, no build
// step.
/* exported idb, text, pageKey, cacheKey, rememberDone, progressKey, attemptMessage */
/* global FB, TEXT, LANG */
"use strict";

let dbPromise = null;

// idbOpen opens the phone's database, creating the stores FB names; a newer
// version elsewhere (a new worker) closes this connection.
function idbOpen() {
  if (dbPromise) return dbPromise;
  dbPromise = new Promise((resolve, reject) => {
    const req = indexedDB.open(FB.db.name, FB.db.version);
    req.onupgradeneeded = () => {
      const db = req.result;
      for (const name of FB.db.dropped) {
        if (db.objectStoreNames.contains(name)) db.deleteObjectStore(name);
      }
      for (const [name, keyPath] of Object.entries(FB.db.stores)) {
        if (!db.objectStoreNames.contains(name)) db.createObjectStore(name, keyPath ? { keyPath } : undefined);
      }
    };
    req.onsuccess = () => {
      const db = req.result;
      db.onversionchange = () => { db.close(); dbPromise = null; };
      resolve(db);
    };
    req.onerror = () => { dbPromise = null; reject(req.error); };
  });
  return dbPromise;
}

// idb runs fn over the named stores in one transaction and resolves, once it
// has committed, with what fn returned: a request's result, or a list of
// them.
async function idb(names, mode, fn) {
  const db = await idbOpen();
  return new Promise((resolve, reject) => {
    const t = db.transaction(names, mode);
    const stores = {};
    for (const name of [].concat(names)) stores[name] = t.objectStore(name);
    const out = fn(stores);
    const result = (r) => (r instanceof IDBRequest ? r.result : r);
    t.oncomplete = () => resolve(Array.isArray(out) ? out.map(result) : result(out));
    t.onerror = t.onabort = () => reject(t.error);
  });
}

const plurals = new Intl.PluralRules(LANG);
const numbers = new Intl.NumberFormat(LANG);

// text is the sentence key of TEXT (the catalogue's "js." messages in the
// page's language) with its {placeholders} filled from vars; count chooses
// the plural form and fills {count}. Numbers are written as LANG writes
// them.
function text(key, vars, count) {
  let s = TEXT[key] || key;
  if (typeof s === "object") s = s[plurals.select(count || 0)] || s.other;
  if (count !== undefined) vars = Object.assign({ count }, vars);
  return s.replace(/\{(\w+)\}/g, (m, name) => {
    if (!vars || !(name in vars)) return m;
    return typeof vars[name] === "number" ? numbers.format(vars[name]) : String(vars[name]);
  });
}

// pageKey names the copy of a page in one interface language in the
// worker's page cache (a key, not an address the server answers): pages
// are cached by path and language. cacheKey is the key of any saved
// address: media are the same in every language.
const pageKey = (path, lang) => path + "?copy=" + encodeURIComponent(lang);
const cacheKey = (url, lang) => (new RegExp(FB.routes.media).test(url) ? url : pageKey(url, lang));

// attemptMessage is the text a learner's key signs for a quiz attempt, a
// as sent: the tag, id, user_id, lesson_id, version, at, then the answers
// with their keys sorted (by UTF-16 code unit), each key and value as
// JSON.stringify writes it. The server builds the same text
// (handlers/sync_attempts.go); sw/testdata/attempt_messages.json holds both
// to it.
function attemptMessage(a) {
  const answers = Object.keys(a.answers).sort()
    .map((k) => JSON.stringify(k) + ":" + JSON.stringify(a.answers[k])).join(",");
  return [FB.attemptPrefix, a.id, a.user_id, a.lesson_id, JSON.stringify(a.version), a.at, "{" + answers + "}"].join("\n");
}

// progressKey names a learner's known progress in a course.
const progressKey = (user, course) => user + ":" + course;

// rememberDone records what the server accepted for a learner: each item
// {lesson_id, course_id, completed} updates their known progress.
function rememberDone(user, items) {
  const known = items.filter((i) => i.course_id);
  if (!known.length) return Promise.resolve();
  return idb("progress", "readwrite", (s) => {
    const store = s.progress;
    for (const i of known) {
      const key = progressKey(user, i.course_id);
      const get = store.get(key);
      get.onsuccess = () => {
        const row = get.result || { key, user, course_id: i.course_id, total: 0, done: [] };
        const done = new Set(row.done);
        if (i.completed) done.add(i.lesson_id);
        else done.delete(i.lesson_id);
        row.done = Array.from(done);
        store.put(row);
      };
    }
  });
}
