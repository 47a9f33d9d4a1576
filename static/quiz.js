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
