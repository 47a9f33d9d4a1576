package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/google/uuid"

	"fieldbook/internal/markdown"
	"fieldbook/internal/password"
	"fieldbook/store"
)

// demoNamespace derives the demo's fixed ids, which make `demo` idempotent.
var demoNamespace = uuid.MustParse("4f1e2d3c-5b6a-4789-9abc-def012345678")

type demoAccount struct {
	Username, Name string
	Role           store.Role
}

var demoAccounts = []demoAccount{
	{"demo-learner", "Demo Learner", store.RoleLearner},
	{"demo-volunteer", "Demo Volunteer", store.RoleVolunteer},
}

func cmdDemo(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", "Usage: fieldbook demo\n\nLoads the demo courses and two demo accounts (demo-learner, demo-volunteer).\nSafe to run again: existing data is left alone. New accounts get a random\npassword, printed once.", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	st, closeFn, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer closeFn()

	ids := map[string]uuid.UUID{}
	for _, a := range demoAccounts {
		var existing store.User
		err := st.ReadTx(ctx, store.Operator, func(tx *store.Tx) (err error) {
			existing, err = tx.UserByUsername(ctx, a.Username)
			return err
		})
		if err == nil {
			ids[a.Username] = existing.ID
			fmt.Fprintf(stdout, "demo: account %s exists (reset its password with: fieldbook user passwd --username %s)\n", a.Username, a.Username)
			continue
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		pw := randomPassword()
		hash, err := password.Hash(ctx, pw)
		if err != nil {
			return err
		}
		err = st.InTx(ctx, store.Operator, func(tx *store.Tx) error {
			id, err := tx.CreateUser(ctx, store.NewUser{Username: a.Username, DisplayName: a.Name, PasswordHash: hash, Role: a.Role})
			ids[a.Username] = id
			return err
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "demo: created %s %s with password %s\n", a.Role, a.Username, pw)
	}

	author := store.Caller{UserID: ids["demo-volunteer"], Role: store.RoleVolunteer}
	for _, dc := range slices.Concat(demoCourses, translatedDemoCourses) {
		courseID := uuid.NewSHA1(demoNamespace, []byte("course/"+dc.Slug))
		err := st.InTx(ctx, author, func(tx *store.Tx) error {
			_, created, err := tx.CreateCourse(ctx, store.NewCourse{ID: courseID, Title: dc.Title, Description: dc.Description,
				Lang: cmp.Or(dc.Lang, "en"), Published: true})
			if err != nil {
				return err
			}
			if created {
				if err := createDemoLessons(ctx, tx, courseID, dc, stdout); err != nil {
					return err
				}
			}
			// Quizzes also reach demo courses made before they existed.
			for i, q := range demoQuizzesOf(dc.Slug) {
				if err := addDemoQuiz(ctx, tx, demoLessonID(dc.Slug, i), q, stdout); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("demo course %s: %w", dc.Slug, err)
		}
	}
	return nil
}

// demoQuizzesOf are a demo course's quizzes, English or translated.
func demoQuizzesOf(slug string) map[int]demoQuiz {
	if q, ok := demoQuizzes[slug]; ok {
		return q
	}
	return translatedDemoQuizzes[slug]
}

func demoLessonID(slug string, i int) uuid.UUID {
	return uuid.NewSHA1(demoNamespace, []byte(fmt.Sprintf("lesson/%s/%d", slug, i)))
}

// createDemoLessons adds a new demo course's lessons, in order.
func createDemoLessons(ctx context.Context, tx *store.Tx, courseID uuid.UUID, dc demoCourse, stdout io.Writer) error {
	for i, l := range dc.Lessons {
		body := strings.TrimSpace(l.Body)
		html, err := markdown.Render(body)
		if err != nil {
			return err
		}
		if _, err := tx.CreateLesson(ctx, store.NewLesson{
			ID:       demoLessonID(dc.Slug, i),
			CourseID: courseID, Title: l.Title, Body: body, BodyHTML: html,
			ContentURL: l.ContentURL, DurationMinutes: l.DurationMinutes, Published: true,
		}); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "demo: created course %q with %d lessons\n", dc.Title, len(dc.Lessons))
	return nil
}

func randomPassword() string {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}
