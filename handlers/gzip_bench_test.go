package handlers

import (
	"bytes"
	stdgzip "compress/gzip"
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/klauspost/compress/gzip"

	"fieldbook/views"
)

// benchPage is a course list of n cards rendered by the real template:
// the kind of HTML the middleware compresses on every page view.
func benchPage(tb testing.TB, n int) []byte {
	vm := views.Home{SignupURL: "/signup", LoginURL: "/login"}
	for i := range n {
		vm.Courses = append(vm.Courses, views.CourseCard{
			ID: fmt.Sprintf("0192c5a4-7e1b-7c3d-9f00-%012d", i), URL: fmt.Sprintf("/courses/0192c5a4-7e1b-7c3d-9f00-%012d", i),
			Title:       fmt.Sprintf("Course %d: water, soil and seed in the dry season", i),
			Description: "What a field officer checks before planting, and how to explain it to a farmer who has done it for thirty years.",
			Progress:    views.ProgressBar{Total: 40 + i%17, Unknown: true},
		})
	}
	var buf bytes.Buffer
	if err := views.HomePage(vm).Render(context.Background(), &buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkGzipPage compares the deflate the middleware uses
// (klauspost/compress) with the standard library's at the same level, on a
// small page and on a 25-course list: time per response and bytes out
// (the "gz-bytes" metric).
func BenchmarkGzipPage(b *testing.B) {
	for _, n := range []int{3, 25} {
		page := benchPage(b, n)
		b.Run(fmt.Sprintf("klauspost/cards=%d", n), func(b *testing.B) {
			w, _ := gzip.NewWriterLevel(io.Discard, gzipLevel)
			benchDeflate(b, page, func(dst io.Writer) io.WriteCloser { w.Reset(dst); return w })
		})
		b.Run(fmt.Sprintf("stdlib/cards=%d", n), func(b *testing.B) {
			w, _ := stdgzip.NewWriterLevel(io.Discard, gzipLevel)
			benchDeflate(b, page, func(dst io.Writer) io.WriteCloser { w.Reset(dst); return w })
		})
	}
}

func benchDeflate(b *testing.B, page []byte, reset func(io.Writer) io.WriteCloser) {
	var out bytes.Buffer
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		out.Reset()
		w := reset(&out)
		if _, err := w.Write(page); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(out.Len()), "gz-bytes")
	b.ReportMetric(float64(len(page)), "raw-bytes")
}
