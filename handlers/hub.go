package handlers

import (
	"errors"
	"sync"

	"github.com/google/uuid"

	"fieldbook/store"
)

// errTooManyStreams refuses a stream beyond a user's limit.
var errTooManyStreams = errors.New("too many open dashboards")

// errServerFull refuses a stream beyond the instance's total.
var errServerFull = errors.New("this server has too many open dashboards")

// MaxStreams is how many event streams one instance holds at most: each is
// an open connection and a goroutine.
const MaxStreams = 2000

// errHubClosed refuses a stream while the server shuts down.
var errHubClosed = errors.New("server is shutting down")

// Hub fans progress events from this instance's LISTEN connection out to the
// dashboards open on this instance, per course. Publishing never blocks: each
// stream has a small buffer, and a stream whose buffer is full is dropped and
// told to re-read, so one slow phone never holds up the listener or anyone
// else.
type Hub struct {
	mu       sync.Mutex
	byCourse map[uuid.UUID]map[*stream]struct{}
	perUser  map[uuid.UUID]int
	limit    int
	buffer   int
	closed   bool
	total    int
	max      int
}

// stream is one open event stream.
type stream struct {
	course uuid.UUID
	user   uuid.UUID
	events chan store.ProgressEvent
	// resync receives when the stream must tell its page to re-read (the
	// listener reconnected and may have missed events).
	resync chan struct{}
	// dropped is closed when the stream fell behind; done when the hub shuts.
	dropped  chan struct{}
	done     chan struct{}
	dropOnce sync.Once
}

// NewHub makes a hub allowing perUser streams per user, each buffering up to
// buffer events.
func NewHub(perUser, buffer int) *Hub {
	return &Hub{byCourse: map[uuid.UUID]map[*stream]struct{}{}, perUser: map[uuid.UUID]int{},
		limit: perUser, buffer: buffer, max: MaxStreams}
}

// subscribe opens a stream of a course's events for a user.
func (h *Hub) subscribe(course, user uuid.UUID) (*stream, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, errHubClosed
	}
	if h.perUser[user] >= h.limit {
		return nil, errTooManyStreams
	}
	if h.total >= h.max {
		return nil, errServerFull
	}
	s := &stream{course: course, user: user, events: make(chan store.ProgressEvent, h.buffer),
		resync: make(chan struct{}, 1), dropped: make(chan struct{}), done: make(chan struct{})}
	if h.byCourse[course] == nil {
		h.byCourse[course] = map[*stream]struct{}{}
	}
	h.byCourse[course][s] = struct{}{}
	h.perUser[user]++
	h.total++
	return s, nil
}

// unsubscribe closes a stream's place in the hub.
func (h *Hub) unsubscribe(s *stream) {
	h.mu.Lock()
	defer h.mu.Unlock()
	subs := h.byCourse[s.course]
	if _, ok := subs[s]; !ok {
		return
	}
	delete(subs, s)
	h.total--
	if len(subs) == 0 {
		delete(h.byCourse, s.course)
	}
	if h.perUser[s.user]--; h.perUser[s.user] <= 0 {
		delete(h.perUser, s.user)
	}
}

// Publish hands an event to every stream of its course without waiting.
func (h *Hub) Publish(ev store.ProgressEvent) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.byCourse[ev.CourseID] {
		select {
		case s.events <- ev:
		default:
			s.dropOnce.Do(func() { close(s.dropped) })
		}
	}
}

// Resync tells every stream to have its page re-read: called when the
// listener has reconnected, since events sent meanwhile were lost.
func (h *Hub) Resync() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, subs := range h.byCourse {
		for s := range subs {
			select {
			case s.resync <- struct{}{}:
			default:
			}
		}
	}
}

// Close ends every stream (on server shutdown) and refuses new ones.
func (h *Hub) Close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	for _, subs := range h.byCourse {
		for s := range subs {
			close(s.done)
		}
	}
}

// Streams is the number of open streams (for tests and metrics).
func (h *Hub) Streams() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, subs := range h.byCourse {
		n += len(subs)
	}
	return n
}
