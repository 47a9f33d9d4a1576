// Fieldbook's grading rule on the phone: the same as internal/quiz in Go,
// held to it by internal/quiz/testdata/grading_cases.json. A plain script
// (no modules, no build step, no newer syntax than old WebViews parse):
// window.FieldbookQuiz in a page, module.exports in node. Engines without
// \p{Mn}, String#normalize or BigInt get supported = false: their quizzes
// are then graded by the server alone, never by a different rule.
(function (root) {
  'use strict';

  var MN = null, supported = false;
  try {
    MN = new RegExp('\\p{Mn}', 'gu');
    supported = typeof BigInt === 'function' && 'x'.normalize('NFKD') === 'x';
  } catch (e) { /* an old engine: the server grades */ }

  // Unicode White_Space (not JavaScript's \s: U+0085 is in, U+FEFF is out).
  var WS = /[\t-\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]+/g;

  // normalizeText: NFKD, drop Mn, lower-case code point by code point with
  // the simple mapping (a whole-string toLowerCase would apply Final_Sigma
  // and one-to-many mappings), collapse White_Space runs, trim.
  function normalizeText(s) {
    s = String(s).normalize('NFKD').replace(MN, '');
    var out = '';
    for (var ch of s) out += ch === '\u0130' ? 'i' : ch.toLowerCase();
    return out.replace(WS, ' ').replace(/^ | $/g, '');
  }

  // parseNumber: "1.5", "1,5", Eastern Arabic and Extended Arabic-Indic
  // digits with U+066B, full-width digits and signs, U+2212; NaN otherwise.
  function parseNumber(s) {
    s = String(s);
    if (s.length > 256) return NaN;
    var t = '';
    for (var ch of s) {
      var c = ch.codePointAt(0);
      if (c >= 0x660 && c <= 0x669) t += c - 0x660;
      else if (c >= 0x6F0 && c <= 0x6F9) t += c - 0x6F0;
      else if (c >= 0xFF10 && c <= 0xFF19) t += c - 0xFF10;
      else if (c === 44 || c === 0x66B || c === 0xFF0C || c === 0xFF0E) t += '.';
      else if (c === 0x2212 || c === 0xFF0D) t += '-';
      else if (c === 0xFF0B) t += '+';
      else t += ch.replace(WS, ' ');
    }
    t = t.replace(/^ +| +$/g, '');
    if (t.length > 64 || !/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/.test(t)) return NaN;
    var f = Number(t);
    return isFinite(f) ? f : NaN;
  }

  // dec: the shortest decimal that reads back as x, as [digits, exponent].
  function dec(x) {
    var m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(x));
    var frac = m[3] || '';
    return [BigInt(m[1] + m[2] + frac), Number(m[4] || 0) - frac.length];
  }

  // withinTolerance: |given − value| ≤ tolerance, exactly, on decimals.
  function withinTolerance(given, value, tolerance) {
    var a = dec(given), b = dec(value), t = dec(tolerance);
    var e = Math.min(a[1], b[1], t[1]), ten = BigInt(10);
    function at(d) { return d[0] * ten ** BigInt(d[1] - e); }
    var d = at(a) - at(b);
    if (d < BigInt(0)) d = -d;
    return d <= at(t);
  }

  function score(right, questions) {
    return questions > 0 ? (100 * right - (100 * right) % questions) / questions : 0;
  }

  function passed(right, questions, passMark) {
    return questions > 0 && right * 100 >= passMark * questions;
  }

  function isNum(v) { return typeof v === 'number' && isFinite(v); }

  // index: a whole JSON number naming an existing choice, or a reason.
  function index(v, n) {
    if (!isNum(v) || v !== Math.trunc(v)) return 'wrong_type';
    return v < 0 || v >= n ? 'bad_answer' : v + 0;
  }

  // gradeOne: true/false, or a reason the answer cannot be graded.
  function gradeOne(q, v) {
    var k = q.answer, n = (q.choices || []).length;
    switch (q.kind) {
      case 'single':
        var i = index(v, n);
        return typeof i === 'string' ? i : i === k;
      case 'multiple':
        if (!Array.isArray(v)) return 'wrong_type';
        var picked = [];
        for (var j = 0; j < v.length; j++) {
          var x = index(v[j], n);
          if (typeof x === 'string') return x;
          if (picked.indexOf(x) >= 0) return 'bad_answer';
          picked.push(x);
        }
        picked.sort(function (p, r) { return p - r; });
        return picked.length === k.length && picked.every(function (p, r) { return p === k[r]; });
      case 'truefalse':
        return typeof v === 'boolean' ? v === k : 'wrong_type';
      case 'number':
        return isNum(v) ? withinTolerance(v, k.value, k.tolerance) : 'wrong_type';
      case 'text':
        if (typeof v !== 'string') return 'wrong_type';
        var g = normalizeText(v);
        return g !== '' && k.some(function (a) { return normalizeText(a) === g; });
    }
    return 'wrong_type';
  }

  // grade: a practice quiz as GET /api/lessons/{id}/quiz gives it (with
  // each question's answer) and answers {question id: value} → {correct,
  // right, score, passed}, or {reason} exactly when the server refuses.
  function grade(quiz, answers) {
    if (!supported) return { reason: 'unsupported' };
    var qs = quiz.questions || [];
    if (!qs.length) return { reason: 'no_questions' };
    var known = Object.create(null);
    qs.forEach(function (q) { known[q.id] = true; });
    for (var id in answers) {
      if (Object.prototype.hasOwnProperty.call(answers, id) && known[id] !== true) return { reason: 'unknown_question' };
    }
    var correct = [], right = 0;
    for (var i = 0; i < qs.length; i++) {
      var ok = Object.prototype.hasOwnProperty.call(answers, qs[i].id) ? gradeOne(qs[i], answers[qs[i].id]) : false;
      if (typeof ok === 'string') return { reason: ok };
      correct.push(ok);
      if (ok) right++;
    }
    return { correct: correct, right: right, score: score(right, qs.length), passed: passed(right, qs.length, quiz.pass_mark) };
  }

  var api = {
    supported: supported, normalizeText: normalizeText, parseNumber: parseNumber,
    withinTolerance: withinTolerance, score: score, passed: passed, grade: grade
  };
  if (typeof module === 'object' && module.exports) module.exports = api;
  else root.FieldbookQuiz = api;
})(typeof self !== 'undefined' ? self : this);

// The quiz on a lesson page (views/lessons.templ LessonQuizBlock): the page
// is the same for everyone, so this draws the learner's part. A practice
// quiz is graded here at once (with FieldbookQuiz.grade, the server's
// rule); every attempt goes to the service worker, which queues it for the
// learner it knows (signed when they were picked with their PIN) and sends
// it with the next sync; the server grades it again and its grade stands.
// It runs after app.js, whose prelude gives idb and FB.
/* global idb, FB */
(function () {
  'use strict';
  if (typeof document === 'undefined') return;
  var section = document.getElementById('quiz');
  var Q = window.FieldbookQuiz;
  if (!section || !Q) return;
  var form = document.getElementById('quiz-form');
  var quiz = JSON.parse(document.getElementById('quiz-data').textContent);
  var lesson = section.dataset.lesson;
  var course = section.dataset.course;
  var result = section.querySelector('.q-result');
  var sw = navigator.serviceWorker;
  // pending is this page's last attempt until the server's grade arrives:
  // {id, preview: {score, passed} | null}.
  var pending = null;
  var waitTimer = null;

  function $$(sel, root) { return Array.prototype.slice.call((root || section).querySelectorAll(sel)); }
  function fieldset(q) { return section.querySelector('fieldset[data-q="' + q.id + '"]'); }

  // set sets a data attribute of #quiz, or removes it for a false value:
  // the stylesheet tests presence.
  function set(name, value) {
    if (value === false || value === null || value === undefined) delete section.dataset[name];
    else section.dataset[name] = String(value);
  }

  // fill writes a sentence whose number comes from the page (data-text,
  // in the page's language, with {score}). Scores are 0–100, written with
  // the digits 0–9 in every language Fieldbook speaks.
  function fill(el, score) { el.textContent = el.dataset.text.replace('{score}', String(score)); }

  // answers reads the form: {question id: value} with values shaped as the
  // server takes them; an unanswered question is left out. A number field
  // that is not a number is returned as invalid.
  function answers() {
    var out = {}, invalid = null;
    quiz.questions.forEach(function (q) {
      var fs = fieldset(q);
      delete fs.dataset.invalid;
      var picked = $$('input:checked', fs).map(function (i) { return i.value; });
      var input = fs.querySelector('input[type=text]');
      var typed = input ? input.value.trim() : '';
      if (q.kind === 'single' && picked.length) out[q.id] = Number(picked[0]);
      else if (q.kind === 'multiple' && picked.length) out[q.id] = picked.map(Number);
      else if (q.kind === 'truefalse' && picked.length) out[q.id] = picked[0] === 'true';
      else if (q.kind === 'text' && typed) out[q.id] = input.value;
      else if (q.kind === 'number' && typed) {
        var n = Q.parseNumber(typed);
        if (isNaN(n)) {
          fs.dataset.invalid = '1';
          invalid = invalid || input;
        } else out[q.id] = n;
      }
    });
    return { answers: out, invalid: invalid };
  }

  function lock(locked) {
    $$('fieldset').forEach(function (fs) { fs.disabled = locked; });
  }

  // marks shows, per question, right or not and the explanation; in a
  // practice quiz the right choices too.
  function marks(correct) {
    quiz.questions.forEach(function (q, i) {
      var fs = fieldset(q);
      if (correct) fs.dataset.result = correct[i] ? 'right' : 'wrong';
      else delete fs.dataset.result;
      var key = correct && q.answer !== undefined ? [].concat(q.answer) : [];
      $$('label.choice', fs).forEach(function (label, j) {
        if (q.kind !== 'truefalse' && key.indexOf(j) >= 0) label.dataset.key = '1';
        else if (q.kind === 'truefalse' && key.indexOf(j === 0) >= 0) label.dataset.key = '1';
        else delete label.dataset.key;
      });
    });
  }

  function showGrade(state, grade) {
    set('state', state);
    set('passed', grade.passed ? 1 : 0);
    fill(section.querySelector('.r-score'), grade.score);
  }

  function reset() {
    pending = null;
    clearTimeout(waitTimer);
    ['state', 'passed', 'corrected', 'unsaved', 'failed', 'need'].forEach(function (n) { set(n, false); });
    form.reset();
    marks(null);
    lock(false);
    showLast();
  }

  // ask sends the worker a message and resolves with its answer.
  function ask(msg) {
    return sw.ready.then(function (reg) {
      return new Promise(function (resolve, reject) {
        if (!reg.active) { reject(new Error('no worker')); return; }
        var ch = new MessageChannel();
        ch.port1.onmessage = function (e) { resolve(e.data || {}); };
        reg.active.postMessage(msg, [ch.port2]);
        setTimeout(function () { reject(new Error('the worker did not answer')); }, 10000);
      });
    });
  }

  // send hands the attempt to the worker, which names the learner; without
  // a worker (an old browser) it goes straight to the server for whoever
  // is signed in.
  function send(attempt) {
    if (sw) return ask({ type: 'attempt', attempt: attempt });
    return fetch(FB.paths.me, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (me) {
        if (!me) return { error: 'need_learner' };
        var a = { id: crypto.randomUUID(), user_id: me.user_id, lesson_id: lesson, version: quiz.version,
          answers: attempt.answers, at: new Date().toISOString() };
        return fetch(FB.paths.sync, { method: 'POST', credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ attempts: [a] }) })
          .then(function (r) { return r.json(); })
          .then(function (body) {
            var res = body.attempt_results[0];
            if (res.status === 'rejected') set('failed', 1);
            else server({ attempt_id: a.id, score: res.score, passed: res.passed });
            return { id: a.id };
          });
      });
  }

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    set('need', false);
    var read = answers();
    if (read.invalid) { read.invalid.focus(); return; }
    var preview = null;
    if (quiz.mode === 'practice') {
      var g = Q.grade(quiz, read.answers);
      if (!g.reason) {
        preview = { score: g.score, passed: g.passed };
        marks(g.correct);
        showGrade('graded', g);
      }
    }
    if (!preview) set('state', navigator.onLine ? 'sending' : 'waiting');
    lock(true);
    result.focus();
    send({ lesson_id: lesson, course_id: course, version: quiz.version, answers: read.answers, preview: preview })
      .then(function (r) {
        if (r.error === 'need_learner') {
          if (preview) { set('unsaved', 1); return; }
          set('state', false);
          lock(false);
          set('need', 1);
          return;
        }
        pending = { id: r.id, preview: preview };
        // Still unanswered after a while: the network is slow or gone.
        waitTimer = setTimeout(function () { if (section.dataset.state === 'sending') set('state', 'waiting'); }, 10000);
        return check();
      })
      .catch(function () { if (!preview) set('failed', 1); });
  });

  section.querySelector('.q-retry').addEventListener('click', function () {
    reset();
    var first = form.querySelector('input');
    if (first) first.focus();
  });

  // server shows the server's grade of this page's attempt; when it differs
  // from the phone's, the server's stands and the page says so.
  function server(graded) {
    var preview = pending && pending.preview;
    pending = null;
    clearTimeout(waitTimer);
    var corrected = !!preview && (preview.score !== graded.score || preview.passed !== graded.passed);
    if (corrected) marks(null);
    set('corrected', corrected ? 1 : false);
    showGrade('checked', graded);
  }

  // check looks, after the worker reported a change of its queue, for what
  // became of this page's attempt: graded, refused, or still waiting.
  function check() {
    if (!pending || typeof idb !== 'function') return Promise.resolve();
    var id = pending.id;
    return idb(['meta', 'queue', 'graded', 'failed'], 'readonly', function (s) {
      return [s.meta.get('current'), s.queue.get(id), s.graded.getAll(), s.failed.get(id)];
    }).then(function (r) {
      if (!pending || pending.id !== id) return;
      var graded = r[2].filter(function (g) { return g.attempt_id === id; })[0];
      if (graded) server(graded);
      else if (r[3]) { set('failed', 1); set('state', section.dataset.state === 'graded' ? 'graded' : 'waiting'); }
      else if (r[1] && !navigator.onLine && section.dataset.state === 'sending') set('state', 'waiting');
    });
  }

  // showLast tells the learner the phone knows, before they answer, their
  // last result here (or that their last answers wait to be checked).
  function showLast() {
    var last = section.querySelector('.q-last');
    last.hidden = true;
    if (typeof idb !== 'function' || !window.indexedDB) return Promise.resolve();
    return idb(['meta', 'queue', 'graded'], 'readonly', function (s) {
      return [s.meta.get('current'), s.queue.getAll(), s.graded.getAll()];
    }).then(function (r) {
      var who = r[0];
      if (!who || section.dataset.state) return;
      var waiting = r[1].some(function (i) { return i.kind === 'attempt' && i.user === who.user_id && i.lesson_id === lesson; });
      var graded = r[2].filter(function (g) { return g.user === who.user_id && g.lesson_id === lesson; })[0];
      if (waiting) last.textContent = last.dataset.wait;
      else if (graded) fill(last, graded.score);
      else return;
      last.hidden = false;
    }).catch(function () {});
  }

  if (sw) {
    sw.addEventListener('message', function (e) {
      var d = e.data || {};
      if (d.type === 'queue-changed') check().then(showLast);
      if (d.type === 'who-changed') showLast();
    });
  }
  window.addEventListener('online', function () { if (section.dataset.state === 'waiting' && pending) set('state', 'sending'); });
  showLast();
})();
