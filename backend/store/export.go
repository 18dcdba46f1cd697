package store

import "errors"

// eachPageSize is how many records EachActivity reads per transaction. Each
// page is read in its own short transaction and handed to the callback
// after it closes, so a slow consumer (an export to a slow client) never
// holds a Badger read transaction open, and memory stays bounded by one
// page whatever the size of the log.
const eachPageSize = 256

// ErrStop may be returned by an EachActivity callback to end the iteration
// early without an error.
var ErrStop = errors.New("stop")

// EachActivity calls fn with every record matching f, newest first, until
// fn returns an error (returned as is, except ErrStop, which gives nil).
// f.Limit is ignored; f.Cursor starts after that record. Records written
// while it runs appear only if they sort after the page being read, so an
// iteration ends even under a steady stream of new calls.
func (s *Store) EachActivity(f ActivityFilter, fn func(*ActivityRecord) error) error {
	f.Limit = eachPageSize
	for {
		page, next, err := s.ListActivity(f)
		if err != nil {
			return err
		}
		for i := range page {
			if err := fn(&page[i]); err != nil {
				if errors.Is(err, ErrStop) {
					return nil
				}
				return err
			}
		}
		if next == "" {
			return nil
		}
		f.Cursor = next
	}
}

// ValidActivityID reports whether id has the shape of an activity record's
// id (and so of a paging cursor).
func ValidActivityID(id string) bool { return validID(id) }
