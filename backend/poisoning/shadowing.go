package poisoning

import (
	"regexp"
	"strings"
)

var behaviourWord = regexp.MustCompile(`(?i)\b(instead|always|never|must|whenever|when|before|after|also|override|replace|change|modify|redirect|first|do\s+not|don't|ignore)\b`)

// shadowing compares t with the tools of other servers: a copied or
// look-alike name, or prose that names another server's tool.
func (s *scan) shadowing(t Tool, texts []text, others []Tool) {
	own := canon(t.Name)
	prose, lower := make([]string, len(texts)), make([]string, len(texts))
	for i, tx := range texts {
		if !tx.name {
			prose[i] = collapse(fold(tx.value))
			lower[i] = strings.ToLower(prose[i])
		}
	}
	for _, o := range others {
		if o.Server == t.Server || o.Name == "" {
			continue
		}
		switch {
		case o.Name == t.Name:
			s.add(RuleNameCopy, Medium, "name", t.Name, "same name as tool "+o.Name+" of server "+o.Server)
		case own == canon(o.Name):
			s.add(RuleNameCopy, High, "name", t.Name, "look-alike of tool "+o.Name+" of server "+o.Server)
		}
		if !distinctive(o.Name) || o.Name == t.Name {
			continue
		}
		for i, tx := range texts {
			n := prose[i]
			if tx.name || n == "" {
				continue
			}
			loc := findWord(lower[i], strings.ToLower(o.Name))
			if loc == nil {
				continue
			}
			if len(lower[i]) != len(n) {
				// Lower-casing changed byte offsets: quote the lower-case text.
				n = lower[i]
			}
			near := sentence(n, loc[0], loc[1])
			sev := Medium
			if behaviourWord.MatchString(near) {
				sev = High
			}
			s.add(RuleShadowing, sev, tx.field, near, "refers to tool "+o.Name+" of server "+o.Server)
		}
	}
}

// distinctive names are unlikely to occur in prose by chance.
func distinctive(name string) bool {
	return len(name) >= 5 && strings.ContainsAny(name, "_-.") || len(name) >= 10
}

// lookalikes joins what a reader would not tell apart in a name.
var lookalikes = strings.NewReplacer("_", "", "-", "", ".", "", " ", "", "rn", "m", "vv", "w")

// canon reduces a name to what a reader would take it for.
func canon(name string) string {
	n := lookalikes.Replace(strings.ToLower(fold(name)))
	return strings.Map(func(r rune) rune {
		switch r {
		case '0':
			return 'o'
		case '1', 'i', '|':
			return 'l'
		case '3':
			return 'e'
		case '5':
			return 's'
		case '4':
			return 'a'
		}
		return r
	}, n)
}

// hiddenParameter names suggest a field the user is not meant to notice.
var hiddenParameter = regexp.MustCompile(`(?i)^_*(side_?note|note_?to_?(self|assistant|model)|hidden\w*|secret_?\w*|conversation\w*|chat_?history|system_?prompt|context_?dump|debug_?(info|context)|internal_?\w*|metadata_?blob|_\w+)$`)

var (
	asksConversation = regexp.MustCompile(`(?i)\b(full|entire|whole|complete|all|previous|prior|earlier|recent|every)\s+(conversation|chat|messages|message\s+history|chat\s+history|context|interactions|user\s+messages)\b|\bsystem\s+prompt\b|\byour\s+(instructions|system\s+prompt|rules|prompt|context)\b|\beverything\s+the\s+user\s+(said|typed|wrote)\b|\b(conversation|chat)\s+(so\s+far|history|transcript)\b`)
	asksSecrets      = regexp.MustCompile(`(?i)\b(api\s+keys?|secret\s+keys?|secrets|credentials|passwords|private\s+keys?|access\s+tokens?|auth\s+tokens?|session\s+cookies?|ssh\s+keys?|environment\s+variables?|env\s+vars?|tokens)\b`)
	secretsScope     = regexp.MustCompile(`(?i)\b(any|all|every|available|found|stored|known|existing|other)\b|\b(from|in)\s+(the\s+)?(environment|env|context|conversation|memory|files?|disk|system|config|home)\b`)
)

// secretParameters flags input parameters that ask the model for the
// conversation or for secrets it can see.
func (s *scan) secretParameters(t Tool) {
	for _, tx := range collect(Tool{InputSchema: t.InputSchema}) {
		if !strings.HasPrefix(tx.field, "inputSchema.") {
			continue
		}
		if tx.name {
			if i := strings.LastIndex(tx.field, "."); i >= 0 && strings.HasSuffix(tx.field[:i], ".properties") && hiddenParameter.MatchString(tx.value) {
				s.add(RuleExfiltration, Low, tx.field, tx.value, "parameter name suggests a hidden channel")
			}
			continue
		}
		if !strings.HasSuffix(tx.field, ".description") && !strings.HasSuffix(tx.field, ".title") && !strings.HasSuffix(tx.field, ".default") {
			continue
		}
		n := collapse(fold(tx.value))
		if loc := strongTarget.FindStringIndex(n); loc != nil {
			s.add(RuleSensitiveFile, High, tx.field, sentence(n, loc[0], loc[1]), "parameter asks for a secret file or store: "+n[loc[0]:loc[1]])
		}
		if loc := asksConversation.FindStringIndex(n); loc != nil {
			s.add(RuleExfiltration, High, tx.field, sentence(n, loc[0], loc[1]), "parameter asks the model for the conversation or its instructions")
		}
		if loc := asksSecrets.FindStringIndex(n); loc != nil {
			near := sentence(n, loc[0], loc[1])
			if secretsScope.MatchString(near) {
				s.add(RuleExfiltration, High, tx.field, near, "parameter asks the model for secrets it can see")
			}
		}
	}
}

// findWord finds want in lower (both lower case), not inside a longer
// identifier. ToLower keeps the byte offsets of the folded ASCII text.
func findWord(lower, want string) []int {
	for from := 0; ; {
		i := strings.Index(lower[from:], want)
		if i < 0 {
			return nil
		}
		start, end := from+i, from+i+len(want)
		if (start == 0 || !identByte(lower[start-1])) && (end == len(lower) || !identByte(lower[end])) {
			return []int{start, end}
		}
		from = start + 1
	}
}

func identByte(c byte) bool {
	return c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z'
}
