package upstream

// stderrFollowBuffer is how many lines a follower of stderr may fall behind
// before it is let go; a burst of a few hundred lines fits.
const stderrFollowBuffer = 512

// FollowStderr returns the last n complete lines the process wrote to
// stderr (none when n is 0, all kept when n < 0), then each new line as it
// is written, until stop. The lines survive restarts of the process within
// this supervisor. A reader that falls more than a few hundred lines behind
// finds the channel closed without having called stop; the process is never
// slowed down by it.
func (u *Upstream) FollowStderr(n int) (last []string, lines <-chan string, stop func()) {
	return u.stderr.Follow(n, stderrFollowBuffer)
}

// StderrFollowers counts the open follows of stderr.
func (u *Upstream) StderrFollowers() int { return u.stderr.Followers() }
