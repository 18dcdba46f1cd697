package poisoning

import (
	"regexp"
	"strings"
)

// pattern is a phrase rule over prose, matched case-insensitively on text
// with look-alike letters folded and whitespace collapsed.
type pattern struct {
	rule string
	sev  Severity
	re   *regexp.Regexp
	msg  string
}

func re(s string) *regexp.Regexp { return regexp.MustCompile(`(?is)` + s) }

// Phrases aimed at the model rather than describing the tool. Ordinary verbs
// ("read a file", "send an email") never match on their own: each rule needs
// an instruction to the model, a hidden target or a secret.
var phrases = []pattern{
	{RuleInstruction, High, re(`\b(ignore|disregard|forget|override|bypass|skip)\b[^.\n]{0,40}?\b(previous|prior|above|earlier|preceding|all|any|other|existing|system|safety|original|your)\b[^.\n]{0,25}?\b(instructions?|prompts?|rules|directions|guidelines|directives|guardrails|constraints|policies)\b`),
		"tells the model to ignore its instructions"},
	{RuleInstruction, High, re(`\b(do\s*n[o']?t|never|must\s*not|should\s*not|shouldn't|without)\s+(ever\s+)?(tell|telling|mention|mentioning|inform|informing|reveal|revealing|disclose|disclosing|notify|notifying|alert|alerting|show|showing|let|letting|warn|warning)\b[^.\n]{0,30}?\b(the\s+)?(user|human|person|operator)\b`),
		"tells the model to keep something from the user"},
	{RuleInstruction, High, re(`\bthe\s+(user|human)\s+(must|should|may)\s*(not|never)\s+(know|see|be\s+told|find\s+out|notice|learn|be\s+aware)`),
		"tells the model to keep something from the user"},
	{RuleInstruction, High, re(`\b(silently|secretly|covertly|quietly|discreetly|stealthily)\s+(send|read|include|add|copy|forward|call|upload|exfiltrate|attach|append|collect|post|transmit|run|execute)\b`),
		"asks the model to act covertly"},
	{RuleInstruction, High, re(`\b(hide|conceal)\s+(this|these|it|the\s+\w+)\b[^.\n]{0,20}\bfrom\s+(the\s+)?(user|human)`),
		"asks the model to hide an action from the user"},
	{RuleInstruction, High, re(`<\s*/?\s*(important|system|instructions?|secret|hidden|admin|override|critical|prompt|assistant|system[_-]?prompt|user[_-]?instructions?|mandatory|note_to_assistant|ai[_-]?instructions?)\s*>`),
		"pseudo-markup addressed to the model"},
	{RuleInstruction, High, re(`<\|im_start\|>|<\|system\|>|\[/?INST\]|<<SYS>>|\[(system|important|admin|instructions?)\]`),
		"chat-template markup addressed to the model"},
	{RuleInstruction, High, re(`(^|\n|\.\s)\s*(system|assistant)\s*(prompt\s*)?:[^\n]{0,80}?\b(you|your|must|ignore|always|never|do\s+not|don't|assistant|model|instructions?|read|send|include)\b`),
		"system-prompt style text"},
	{RuleInstruction, High, re(`\b(new|updated|real|actual|true|hidden|secret)\s+(system\s+)?(instructions|directives?)\s*[:\-]|\b(hidden|secret|real|true)\s+(task|objective|goal|rules)\s*[:\-]`),
		"replaces the model's instructions"},
	{RuleInstruction, High, re(`\b(do\s*n[o']?t|never|no\s+need\s+to)\s+(ask|wait|request)\s+(the\s+user\s+)?(for\s+)?(confirmation|permission|approval|consent)`),
		"tells the model to act without the user's consent"},
	{RuleInstruction, Medium, re(`\bwithout\s+(asking|requesting|seeking|waiting\s+for)\s+(the\s+user\s+)?(for\s+)?(confirmation|permission|approval|consent)`),
		"acts without the user's consent"},
	{RuleInstruction, Medium, re(`\byou\s+are\s+(now\s+)?(a|an|the|in)\b[^.\n]{0,30}?\b(assistant|ai|model|agent|mode|persona)\b`),
		"system-prompt style text"},
	{RuleInstruction, Medium, re(`\b(as\s+an\s+ai|as\s+a\s+language\s+model|the\s+(assistant|model|llm|ai|agent)|ai\s+assistants?)\b[^.\n]{0,40}?\b(must|shall|is\s+required|has\s+to|needs\s+to|should\s+always)\b`),
		"instructions addressed to the model"},
	{RuleInstruction, Medium, re(`\b(very\s+){1,}(very\s+)?important\b|\bextremely\s+important\b|\bcritically\s+important\b|\bthis\s+is\s+(mandatory|crucial|vital)\b`),
		"pressure wording addressed to the model"},
	{RuleInstruction, Medium, re(`\botherwise\b[^.\n]{0,30}?\b(tool|it|this|function|server)\b[^.\n]{0,10}?\b(will|would|won't|cannot|can't)\s+(not\s+)?(work|fail|break|crash|function|error)`),
		"threatens failure to make the model comply"},
	{RuleInstruction, Medium, re(`\bbefore\s+(using|calling|invoking|running|executing|answering|responding)\b[^.\n]{0,40}?\b(you\s+must|must|first|always|need\s+to)\b[^.\n]{0,40}?\b(read|cat|open|include|pass|send|provide|retrieve|fetch|call|upload|collect)\b`),
		"orders the model to do something first"},
	{RuleInstruction, Medium, re(`\b(before|prior\s+to)\s+(any|every|all|each)\s+other\s+(tool|function|action|call|request)|\b(at\s+the\s+start\s+of|for|in)\s+(every|each|any)\s+(conversation|session|chat|reply|response)\b[^.\n]{0,40}?\b(must|always|first|call|run|invoke|include|add|append)\b`),
		"claims priority over every other action (line jumping)"},
	{RuleInstruction, Medium, re(`\b(always|every\s+time|each\s+time)\b[^.\n]{0,30}?\b(append|add|include|insert|prepend)\b[^.\n]{0,40}?\b(to|in)\s+(your|every|each|all)\s+(response|reply|answer|message|output)s?`),
		"changes what the model says to the user"},

	{RuleExfiltration, High, re(`\b(include|pass|put|add|append|insert|embed|attach|provide|send|copy|fill|forward|supply|paste|leak|encode)\b[^.\n]{0,60}?\b(conversation|chat\s+history|message\s+history|previous\s+messages|prior\s+messages|earlier\s+messages|system\s+prompt|your\s+(instructions|prompt|context)|all\s+(the\s+)?messages|api\s+keys?|secret\s+keys?|secrets|credentials|passwords|access\s+tokens|auth\s+tokens|private\s+keys?|env(ironment)?\s+var(iable)?s|session\s+cookies|ssh\s+keys?)\b[^.\n]{0,60}?\b(in|into|as|to|within|inside)\b[^.\n]{0,30}?\b(argument|parameter|param|field|sidenote|side\s*note|note|notes|request|body|query|call|input|metadata|header|url|payload)s?\b`),
		"asks the model to put secrets or the conversation into a call"},
	{RuleExfiltration, Medium, re(`\b(full|entire|whole|complete|verbatim)\s+(conversation|chat(\s+history)?|message\s+history|transcript\s+of\s+the\s+conversation|context\s+window)\b`),
		"asks for the whole conversation"},
	{RuleShadowing, High, re(`\b(bcc|cc|redirect|reroute|send\s+a\s+copy\s+of)\b[^.\n]{0,40}?\b(all|every|any|each)\b[^.\n]{0,20}?\b(e-?mails?|messages?|mails?|payments?|transfers?|requests?)\b[^.\n]{0,40}?\b(to|@)\b`),
		"redirects the traffic of other tools"},
	{RuleShadowing, High, re(`\b(forward|copy|send)\b[^.\n]{0,40}?\b(all|every|any|each)\b[^.\n]{0,20}?\b(e-?mails?|messages?|mails?|payments?|transfers?)\b[^.\n]{0,40}?\bto\s+[\w.+-]+@[\w-]+\.\w`),
		"redirects the traffic of other tools"},
	{RuleShadowing, High, re(`\b(change|changes|modify|modifies|alter|alters|override|overrides|replace|replaces|affect|affects|redefine|redefines|update|updates|extend|extends)\b[^.\n]{0,30}?\b(behaviou?r|functionality|workings?|implementation|output|results?|handling)\b[^.\n]{0,20}?\b(of\s+)?(all\s+|any\s+|the\s+|every\s+)?(other|another|all|every|existing|following)\b[^.\n]{0,15}?(tools?|servers?|functions?)\b`),
		"claims to change how other tools behave"},
	{RuleShadowing, High, re(`\b(all|every|any)\s+(other\s+)?(tools?|servers?|functions?)\b[^.\n]{0,30}?\b(must|shall|are\s+to|will\s+now|now\s+(must|have\s+to)|should\s+(now|always|first))\b`),
		"gives orders about other tools"},
	{RuleShadowing, High, re(`\bwhen(ever)?\s+(the\s+user|you|anyone|the\s+assistant|the\s+agent|the\s+model)\b[^.\n]{0,40}?\b(calls?|uses?|invokes?|runs?|triggers?|selects?)\s+(the\s+)?([\w-]+[_\-.][\w\-.]+|(another|other|any|the)\s+\S+\s+tool)\b[^.\n]{0,80}?\binstead\b`),
		"tells the model to do something else when another tool is used"},
	{RuleShadowing, High, re(`\b(this\s+tool|these\s+instructions|this\s+note|this\s+rule)\s+(also\s+)?(applies?|affects?|governs?|overrides?)\s+(to\s+)?(all|every|any|other)\b`),
		"claims authority over other tools"},
}

var (
	// Targets that are secrets in themselves.
	strongTarget = re(`~/\.ssh\b|\.ssh/|\bid_(rsa|dsa|ecdsa|ed25519)\b|\bauthorized_keys\b|\.aws/credentials|\baws_secret_access_key\b|/etc/(passwd|shadow|sudoers|master\.passwd)\b|\.gnupg\b|\bsecring\b|\.netrc\b|\.git-credentials\b|\.pypirc\b|\.docker/config\.json|\bcookies\.sqlite\b|\blogin\s+data\b|\bkey4\.db\b|\blogins\.json\b|\b(browser|chrome|firefox|safari|edge|brave)('s)?\s+(saved\s+)?(cookies|passwords|credentials|session\s+tokens)|\blogin\.keychain|\bkeychain\b|\bwallet\.dat\b|\bseed\s+phrase\b|\bmnemonic\s+phrase\b|\bmcp\.json\b|\bclaude_desktop_config\.json\b|\.cursor/|\.bash_history\b|\.zsh_history\b|/proc/self/environ\b`)
	// Targets that are often legitimate but hold secrets as well.
	weakTarget = re(`(^|[\s'"` + "`" + `(/~])\.env(\.[a-z]+)?\b|\.npmrc\b|\.kube/config\b|\benvironment\s+variables\b|\bkeyring\b|\bprivate\s+keys?\b|\bssh\s+keys?\b`)
	// Verbs of reading or handing over, near a target.
	accessVerb = re(`\b(read|cat|open|load|include|pass|send|upload|attach|provide|copy|extract|collect|retrieve|dump|print|output|append|add|grab|exfiltrate|forward|paste|share|leak|post|embed)\b`)
	// Words that show the text is an order to the model rather than a description.
	orderWord = re(`\b(you|your|must|first|before|always|otherwise|sidenote|side\s*note|parameter|argument|contents?|its\s+content|the\s+file|immediately|make\s+sure|required)\b`)

	urlOrMail   = re(`https?://[^\s"'<>)\]]+|\b[\w.+-]+@[\w-]+\.[\w.-]+\b`)
	sendVerb    = re(`\b(send|post|upload|forward|transmit|exfiltrate|beacon|bcc|leak|deliver|relay|mirror|copy|pipe|stream|curl|wget)\b`)
	dataNoun    = re(`\b(conversation|history|messages?|secrets?|credentials?|keys?|tokens?|passwords?|contents?|environment|env|files?|ssh|prompt|data|context|cookies|output|results?|response|arguments)\b`)
	secretNoun  = re(`\b(conversation|chat\s+history|previous\s+messages|secrets?|credentials?|api\s+keys?|tokens|passwords?|cookies|env(ironment)?\s+var(iable)?s|system\s+prompt)\b`)
	exampleHost = re(`^https?://([\w-]+\.)*(example\.(com|org|net)|localhost|127\.0\.0\.1|0\.0\.0\.0)(:\d+)?([/?#]|$)|@example\.(com|org|net)$`)
)

// maxProse is how much of one text the phrase rules read.
const maxProse = 64 << 10

// prose runs the phrase rules over a text the model reads; depth counts
// decoding steps so that decoded payloads are checked once more at most twice.
func (s *scan) prose(field, v string, depth int) {
	if depth > 2 || strings.TrimSpace(v) == "" {
		return
	}
	if len(v) > maxProse {
		// Bounded work on hostile input: anything this long is already an
		// oversized finding.
		v = around(v, 0, maxProse)
	}
	if w, ok := mixedWords(v); ok {
		s.add(RuleHomoglyph, Medium, field, w, "word mixes Latin with look-alike letters of another script")
	}
	f := fold(v)
	n := collapse(f)
	s.phrases(field, n)
	if spaced := collapse(unspace(f)); spaced != n {
		s.phrases(field, spaced)
	}
	s.targets(field, n)
	s.sending(field, n)
	s.encoded(field, v, depth)
}

func (s *scan) phrases(field, n string) {
	for _, p := range phrases {
		if loc := p.re.FindStringIndex(n); loc != nil {
			s.add(p.rule, p.sev, field, n[loc[0]:loc[1]], p.msg)
		}
	}
}

// targets flags secret files and stores; an order to read or hand them
// over makes the finding high.
func (s *scan) targets(field, n string) {
	for _, t := range []struct {
		re        *regexp.Regexp
		base, top Severity
	}{{strongTarget, Medium, High}, {weakTarget, Low, Medium}} {
		for _, loc := range t.re.FindAllStringIndex(n, 4) {
			near := sentence(n, loc[0], loc[1])
			sev := t.base
			if accessVerb.MatchString(near) && orderWord.MatchString(near) {
				sev = t.top
			}
			s.add(RuleSensitiveFile, sev, field, near, "refers to a secret file or store: "+strings.TrimSpace(n[loc[0]:loc[1]]))
		}
	}
}

// sending flags an order to send data to a concrete address.
func (s *scan) sending(field, n string) {
	for _, loc := range urlOrMail.FindAllStringIndex(n, 8) {
		addr := strings.TrimRight(n[loc[0]:loc[1]], ".,;:!?'`")
		if exampleHost.MatchString(addr) {
			continue
		}
		near := sentence(n, loc[0], loc[1])
		if !sendVerb.MatchString(near) {
			continue
		}
		sev := Medium
		if secretNoun.MatchString(near) || dataNoun.MatchString(near) && (orderWord.MatchString(near) || strongTarget.MatchString(near)) {
			sev = High
		}
		s.add(RuleExfiltration, sev, field, near, "asks to send data to "+addr)
	}
}

// sentence returns the text around [start,end) up to the sentence ends.
func sentence(n string, start, end int) string {
	from := start
	for from > 0 && start-from < 160 {
		c := n[from-1]
		if c == '\n' || (c == '.' && from < len(n) && n[from] == ' ') {
			break
		}
		from--
	}
	to := end
	for to < len(n) && to-end < 160 {
		c := n[to]
		if c == '\n' || (c == '.' && (to+1 == len(n) || n[to+1] == ' ')) {
			break
		}
		to++
	}
	return n[from:to]
}

// collapse makes runs of spaces and tabs one space, keeping newlines.
func collapse(v string) string {
	var b strings.Builder
	b.Grow(len(v))
	space := false
	for _, r := range v {
		if r == ' ' || r == '\t' || r == 0xA0 {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

var spacedLetters = regexp.MustCompile(`\b(?:\pL[ ._\-]){5,}\pL\b`)

// unspace joins words spelled out letter by letter ("i g n o r e").
func unspace(n string) string {
	return spacedLetters.ReplaceAllStringFunc(n, func(m string) string {
		return strings.NewReplacer(" ", "", ".", "", "_", "", "-", "").Replace(m)
	})
}
