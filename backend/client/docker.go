package client

import (
	"context"

	"switchboard/backend/api"
)

// DockerStatus says whether Docker is installed and answers, and which
// servers run in containers.
func (c *Client) DockerStatus(ctx context.Context) (*api.DockerStatus, error) {
	return getJSON[api.DockerStatus](ctx, c, "/api/v1/docker/status", nil)
}
