// Package config owns Switchboard's config file: its model, defaults,
// validation, atomic saving and live reloading.
package config

// Transport types of an upstream server.
const (
	TypeStdio = "stdio"
	TypeHTTP  = "http"
	TypeSSE   = "sse"
)

// Tool exposure modes of the MCP endpoints (tool_exposure).
const (
	ExposureDirect = "direct"
	ExposureSearch = "search"
)

// Defaults applied where the file leaves a value out.
const (
	DefaultListen                = "127.0.0.1:7410"
	DefaultConnectTimeoutS       = 30
	DefaultCallTimeoutS          = 120
	DefaultHealthCheckIntervalS  = 30
	DefaultActivityRetentionDays = 30
	// DefaultIdleTTLS of zero keeps a server running however long it sits
	// idle; a server opts in to being stopped by setting idle_ttl_s.
	DefaultIdleTTLS = 0
)

// Config is the whole file. Unknown top-level keys are kept in Extra so a
// save never loses what a person wrote.
type Config struct {
	Listen      string   `json:"listen,omitempty"`
	APIKey      string   `json:"api_key,omitempty"`
	CORSOrigins []string `json:"cors_origins,omitempty"`
	UpdateCheck *bool    `json:"update_check,omitempty"`
	// UpdateURL is the release feed the update check asks (default: the
	// project's releases).
	UpdateURL string `json:"update_url,omitempty"`
	// MCPRequireKey makes /mcp ask for an API key, as the REST API does;
	// off by default because desktop clients send none.
	MCPRequireKey bool `json:"mcp_require_key,omitempty"`
	// ToolExposure is how the MCP endpoints show tools to clients:
	// "direct" (the default: every tool) or "search" (three tools,
	// retrieve_tools, describe_tool and call_tool, stand in for them all).
	ToolExposure string `json:"tool_exposure,omitempty"`
	// ActivityRetentionDays bounds how long tool-call records are kept.
	ActivityRetentionDays int                `json:"activity_retention_days,omitempty"`
	Servers               map[string]*Server `json:"mcpServers"`
	// Profiles are named subsets of the servers and their tools, each
	// served on its own endpoint, /mcp/profiles/{name}.
	Profiles map[string]*Profile `json:"profiles,omitempty"`
	// Groups are pools of interchangeable servers, each served as one
	// virtual server with failover (groups.go).
	Groups map[string]*Group `json:"groups,omitempty"`

	Extra map[string]any `json:"-"`
}

// Profile is one entry of profiles: the servers (by name) whose tools the
// profile's endpoint shows, narrowed by Tools when that is set.
type Profile struct {
	// Servers may be empty: the profile then shows nothing.
	Servers []string `json:"servers"`
	// Groups (by id) are shown as on /mcp, {group}__{tool}.
	Groups []string `json:"groups,omitempty"`
	// Tools, when set, keeps only the tools matching one of these patterns:
	// a tool's exposed name ({prefix}__{tool}) or {server}__{tool}, with *
	// matching any run of characters.
	Tools       []string `json:"tools,omitempty"`
	Description string   `json:"description,omitempty"`
}

// Server is one entry of mcpServers: a superset of the Claude Desktop and
// Cursor format. Unknown keys are kept in Extra.
type Server struct {
	// Client-format keys.
	Command string            `json:"command,omitempty"`
	Args    []string          `json:"args,omitempty"`
	Env     map[string]string `json:"env,omitempty"`
	Cwd     string            `json:"cwd,omitempty"`
	URL     string            `json:"url,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Type    string            `json:"type,omitempty"`

	// Switchboard's own keys.
	Enabled     *bool `json:"enabled,omitempty"`
	Quarantined bool  `json:"quarantined,omitempty"`
	// AutoApproveChanges accepts changed and new tools of this server
	// without asking (each acceptance is still in the audit log).
	AutoApproveChanges   bool     `json:"auto_approve_changes,omitempty"`
	Prefix               *string  `json:"prefix,omitempty"`
	IdleTTLS             int      `json:"idle_ttl_s,omitempty"`
	HealthCheckIntervalS int      `json:"health_check_interval_s,omitempty"`
	ConnectTimeoutS      int      `json:"connect_timeout_s,omitempty"`
	CallTimeoutS         int      `json:"call_timeout_s,omitempty"`
	Isolation            string   `json:"isolation,omitempty"`
	DisabledTools        []string `json:"disabled_tools,omitempty"`
	Description          string   `json:"description,omitempty"`
	Tags                 []string `json:"tags,omitempty"`

	// Docker is how the server's container runs when Isolation is "docker".
	Docker *Docker `json:"docker,omitempty"`

	Extra map[string]any `json:"-"`
}
