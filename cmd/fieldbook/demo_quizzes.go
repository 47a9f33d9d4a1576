package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/google/uuid"

	"fieldbook/internal/markdown"
	"fieldbook/internal/quiz"
	"fieldbook/store"
)

// demoQuiz is the quiz of one demo lesson: questions in the plain-form
// fields volunteers type (quiz.Form), Markdown in prompts and explanations.
type demoQuiz struct {
	Mode      quiz.Mode
	PassMark  int
	Questions []quiz.Form
}

// demoQuizzes are the demo lessons' quizzes by course slug and lesson
// index: each question checks something the lesson teaches, in its words.
// Lessons the browser tests mark complete by hand have none.
var demoQuizzes = map[string]map[int]demoQuiz{
	"first-aid": {5: {Mode: quiz.Check, PassMark: 80, Questions: []quiz.Form{
		{Kind: "single", Prompt: "A person does not respond and is not breathing normally. What do you do?",
			Choices: "Wait to see if they wake up\nShout for help, send someone to call trained help, and start chest compressions\nGive them water to drink\nPut them in the recovery position and leave them",
			Answer:  "2", Explanation: "Their heart has probably stopped. Get help coming and start pushing on the chest straight away."},
		{Kind: "truefalse", Prompt: "Slow, noisy gasps are normal breathing.", Answer: "false",
			Explanation: "Slow, noisy gasps are **not** normal breathing: start CPR."},
		{Kind: "number", Prompt: "About how many centimetres deep do you push the chest of an adult?", Answer: "5.5", Tolerance: "0.5",
			Explanation: "Push straight down 5 to 6 centimetres, then let the chest come fully back up."},
		{Kind: "single", Prompt: "How fast do you push?",
			Choices: "About 30 times a minute\n100 to 120 times a minute, about 2 pushes every second\nAs slowly as you can\nOnly when the person gasps",
			Answer:  "2", Explanation: "Push fast: 100 to 120 times a minute."},
		{Kind: "number", Prompt: "If you are trained to give rescue breaths, how many chest compressions do you give before 2 breaths?",
			Answer: "30", Explanation: "30 compressions, then 2 rescue breaths. If you are not trained, keep pushing without stopping."},
		{Kind: "multiple", Prompt: "When may you stop CPR? Choose every right answer.",
			Choices: "Trained help takes over\nThe person starts breathing normally\nAfter 2 minutes, even if nobody has come\nYou are too exhausted to go on\nThe place becomes dangerous",
			Answer:  "1, 2, 4, 5", Explanation: "Keep going until help takes over, the person breathes normally, you are too exhausted, or it becomes dangerous. Swap with someone every 2 minutes if you can."},
	}}},
	"water-safety": {4: {Mode: quiz.Practice, PassMark: 80, Questions: []quiz.Form{
		{Kind: "number", Prompt: "In the home recipe, how many **level** teaspoons of sugar go into 1 litre of clean water?",
			Answer: "6", Explanation: "6 level teaspoons of sugar and half a level teaspoon of salt in 1 litre of clean, safe water."},
		{Kind: "single", Prompt: "How much salt goes into 1 litre?",
			Choices: "Half a level teaspoon\n6 level teaspoons\nA heaped spoonful\nNo salt at all",
			Answer:  "1", Explanation: "Half a level teaspoon. Too much salt is dangerous, especially for babies; too little does not work well."},
		{Kind: "text", Prompt: "The drink should taste no saltier than … (one word)", Answer: "tears\ntear",
			Explanation: "It should taste no saltier than tears."},
		{Kind: "truefalse", Prompt: "If the child vomits, stop giving ORS for the rest of the day.", Answer: "false",
			Explanation: "Wait 10 minutes, then give it again, more slowly."},
		{Kind: "number", Prompt: "After how many hours do you throw away ORS you mixed?", Answer: "24",
			Explanation: "Make a fresh mix each day and throw away what is left after 24 hours."},
		{Kind: "multiple", Prompt: "Which of these mean: go to a health worker straight away? Choose every right answer.",
			Choices: "The person cannot drink, or vomits everything\nThey are very sleepy or hard to wake\nThey ask for more to drink\nThere is blood in the stool\nThey pass little or no urine",
			Answer:  "1, 2, 4, 5", Explanation: "Asking for more to drink is good. The others are danger signs: get trained help at once."},
	}}},
	"hand-hygiene": {2: {Mode: quiz.Practice, PassMark: 75, Questions: []quiz.Form{
		{Kind: "single", Prompt: "Why does a tippy tap have a foot pedal?",
			Choices: "So you never touch the container with dirty hands\nTo save soap\nTo warm the water\nSo children cannot use it",
			Answer:  "1", Explanation: "You press the pedal with your foot, so your dirty hands never touch the container."},
		{Kind: "multiple", Prompt: "Where is a good place for a hand washing station? Choose every right answer.",
			Choices: "Near the latrine\nNear the kitchen\nFar from the house, where nobody goes\nBeside the drinking water well, so used water runs into it",
			Answer:  "1, 2", Explanation: "Put it where people need it: near the latrine and the kitchen. Used water must drain away from water sources."},
		{Kind: "number", Prompt: "About how many centimetres apart do you dig the two holes for the forked sticks?", Answer: "60", Tolerance: "10",
			Explanation: "About 60 centimetres apart."},
		{Kind: "truefalse", Prompt: "Stones or gravel under the tap let the water soak away, so it does not make mud.", Answer: "true",
			Explanation: "Yes. Standing water makes mud and breeds mosquitoes."},
		{Kind: "single", Prompt: "How often do you refill the water?",
			Choices: "Every day\nEvery week\nEvery month\nOnly when it has been empty for a while",
			Answer:  "1", Explanation: "Refill it every day, replace the soap when it runs out, and clean the container each week."},
	}}},
}

// addDemoQuiz gives a demo lesson its quiz, unless it has one already (so
// running demo again changes nothing). The lesson is taken off line while
// the questions go in and published again after, in one transaction: the
// quiz is served as one version, and learners never see it half made.
func addDemoQuiz(ctx context.Context, tx *store.Tx, lessonID uuid.UUID, q demoQuiz, stdout io.Writer) error {
	existing, err := tx.QuizForEdit(ctx, lessonID)
	if err != nil || existing.Version != 0 {
		return err
	}
	l, err := tx.LessonForEdit(ctx, lessonID)
	if errors.Is(err, store.ErrNotFound) {
		return nil // removed by a volunteer since
	}
	if err != nil {
		return err
	}
	html, err := markdown.Render(l.Body)
	if err != nil {
		return err
	}
	change := store.LessonChange{Title: l.Title, Body: l.Body, BodyHTML: html, ContentURL: l.ContentURL,
		DurationMinutes: l.DurationMinutes, Version: l.Version}
	if l.Published {
		if change.Version, err = tx.UpdateLesson(ctx, lessonID, change); err != nil {
			return err
		}
	}
	for _, f := range q.Questions {
		authored, probs := quiz.ParseForm(f)
		if len(probs) > 0 {
			return fmt.Errorf("demo question %q: %v", f.Prompt, probs)
		}
		qc := store.QuestionChange{Authored: authored}
		if qc.PromptHTML, err = markdown.Render(strings.TrimSpace(authored.Prompt)); err != nil {
			return err
		}
		if qc.ExplanationHTML, err = markdown.Render(strings.TrimSpace(authored.Explanation)); err != nil {
			return err
		}
		if _, err := tx.AddQuestion(ctx, lessonID, qc); err != nil {
			return err
		}
	}
	if err := tx.SetQuizSettings(ctx, lessonID, q.Mode, q.PassMark); err != nil {
		return err
	}
	change.Published = true
	if _, err := tx.UpdateLesson(ctx, lessonID, change); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo: added a %s quiz of %d questions to %q\n", q.Mode, len(q.Questions), l.Title)
	return nil
}
