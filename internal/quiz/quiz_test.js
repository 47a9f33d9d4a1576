// The shared grading table run against static/quiz.js with node's own test
// runner: node --test internal/quiz/quiz_test.js (TestJavaScriptAgrees in
// js_test.go runs it in go test, so make test never skips it). With
// FIELDBOOK_QUIZ_GENERATED naming a file, it also checks the generated cases
// Go wrote there.
'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const Q = require('../../static/quiz.js');

const cases = JSON.parse(fs.readFileSync(path.join(__dirname, 'testdata', 'grading_cases.json'), 'utf8'));

test('the engine supports the exact rule', () => {
  assert.equal(Q.supported, true);
});

test('normalize', () => {
  assert.ok(cases.normalize.length > 0);
  for (const c of cases.normalize) assert.equal(Q.normalizeText(c.in), c.out, c.name);
});

test('parse_number', () => {
  assert.ok(cases.parse_number.length > 0);
  for (const c of cases.parse_number) {
    const got = Q.parseNumber(c.in);
    if (c.out === null) assert.ok(Number.isNaN(got), `${JSON.stringify(c.in)} → ${got}, want not a number`);
    else assert.ok(Object.is(got, c.out), `${JSON.stringify(c.in)} → ${got}, want ${c.out}`);
  }
});

test('tolerance', () => {
  assert.ok(cases.tolerance.length > 0);
  for (const c of cases.tolerance) {
    assert.equal(Q.withinTolerance(c.given, c.value, c.tolerance), c.within, JSON.stringify(c));
  }
});

test('grading', async (t) => {
  assert.ok(cases.grading.length > 0);
  for (const c of cases.grading) {
    await t.test(c.name, () => {
      const got = Q.grade(c.quiz, c.answers);
      if (c.expect.reason) {
        assert.deepEqual(got, { reason: c.expect.reason });
        return;
      }
      assert.deepEqual(got.correct, c.expect.correct);
      assert.equal(got.score, c.expect.score);
      assert.equal(got.passed, c.expect.passed);
      assert.equal(got.right, got.correct.filter(Boolean).length);
    });
  }
});

// Generated cases: Go's results for every code point and for random numbers.
const genFile = process.env.FIELDBOOK_QUIZ_GENERATED;
if (genFile) {
  test('generated cases agree with Go', () => {
    const gen = JSON.parse(fs.readFileSync(genFile, 'utf8'));
    const bad = [];
    gen.normalize.forEach(([cp, out]) => {
      const got = Q.normalizeText(String.fromCodePoint(cp));
      if (got !== out) bad.push(`U+${cp.toString(16).toUpperCase()}: js ${JSON.stringify(got)} go ${JSON.stringify(out)}`);
    });
    gen.tolerance.forEach(([g, v, tol, within]) => {
      if (Q.withinTolerance(g, v, tol) !== within) bad.push(`tolerance ${g} ${v} ${tol}: go ${within}`);
    });
    gen.parse_number.forEach(([s, out]) => {
      const got = Q.parseNumber(s);
      if (!(out === null ? Number.isNaN(got) : Object.is(got, out))) bad.push(`parse ${JSON.stringify(s)}: js ${got} go ${out}`);
    });
    assert.ok(gen.normalize.length > 100000 && gen.tolerance.length > 0 && gen.parse_number.length > 0, 'generated cases missing');
    assert.deepEqual(bad.slice(0, 30), [], `${bad.length} disagreements`);
  });
}
