package toolsearch

import "strings"

// related is the table that bridges the words people use and the words tool
// texts use: "remember" against "entities" and "observations", "folder"
// against "directory", "add 17 and 25" against "sum". It is written for the
// vocabulary of tool use in general (files, memory, web, code hosting,
// chat, databases, browsers, maps, clouds, calendars, mail, payments), not
// for particular queries.
//
// A line "= a b c" makes the words equivalent: each finds the others. A
// line "a b: x y" is one way: a and b (the user's words) also look for x
// and y, but not the other way round ("remember" should find a tool that
// creates entities; "create" should not find memory tools). Words pass
// through the same analysis as tool text, so any inflection may be written.
const related = `
= folder directory dir
= delete remove erase destroy rm
= update modify change edit alter
= run execute exec invoke launch
= stop halt terminate kill
= picture image photo img pic
= screenshot screencap snapshot
= email mail gmail inbox
= repo repository
pr prs: pull request
mr: merge request
= pull merge
= issue ticket bug
= doc docs documentation manual
= web internet online website site
= url link address href
= sum addition total plus
= meeting event appointment
= calendar schedule agenda
= note memo
= journal diary
= reply respond answer
= reaction emoji emote
= user member person people account
= table tabular
= column field attribute property
= replica instance
= rollback undo revert
= shell terminal console command cli bash
= process program pid
= spreadsheet sheet gsheet excel workbook
= transcript subtitle caption
= forecast weather
= warning alert alarm
= coordinate latitude longitude latlng geocode
= elevation altitude
= price cost
= payment charge
= customer client buyer
= refund reimburse
= subscription plan membership
= sprint cycle iteration
= crash error exception failure
= stacktrace traceback
= javascript js script
= dropdown select combobox
= popup dialog modal prompt
= upload attach attachment
= compress zip gzip archive
= k8s kubernetes kubectl
= cluster context
= label tag
= rename move
= copy duplicate
= fork clone
= wiki confluence
= repos projects

make new: create
cancel: delete remove stop
remember memorize memorise recall keep: memory create entity observation add store knowledge
forget unlearn: delete entity observation memory
know knew told: memory knowledge graph search read observation
fact facts info information detail: observation entity
relationship relate related connection connected works friend colleague: relation entity
save store persist: write create save add
keep: store save create
add plus: sum create insert append
sum total calculate compute arithmetic math: sum add number
echo repeat parrot say: echo message
env environment variables: env environment
show display view see print: list get read describe
open: read get view navigate create
read view: read get content
look find lookup locate: search find query get
query: search query
fetch download grab retrieve get: fetch get retrieve download url
content contents inside: content read list
html markup page: fetch url scrape content html
scrape: scrape fetch extract content
crawl spider: crawl
map sitemap urls pages: map url
google bing: search web
news articles: search web news
extract pull: extract
big large size space heavy: size
modified changed date metadata: info modified time metadata
allowed permitted access: allowed access
structure hierarchy tree nested outline: tree directory
several multiple batch bulk once: multiple
many count: count number
stage: add staging staged
unstage: reset
history commits: log commit
changes changed diff difference differences: diff status change
compare: diff
switch checkout: checkout switch
approve reject review: review
squash: merge
ci checks pipeline build status passing passed: status check
rebase: update branch base
push upload: push upload
comment comments reply: comment reply
close closed resolve resolved done complete finished reopen: status state update transition
transition: transition status
assign assigned assignee mine: assignee assign
priority urgent: priority
report file raise: create issue
post send message write tell: post send message
thread: thread replies
thumbs like heart: reaction emoji
channel room: channel
who: user member profile
title job role bio: profile
sql: query sql select
select: select query read
insert row rows record: insert write row
schema columns: describe schema column
database db: database query table
cache: set cache key value
click tap press: click press
type enter input fill: type fill input text
dropdown option choose pick: select option
tab tabs: tab
wait until: wait
resize dimension width height: resize
back previous: back
hover mouseover: hover
drag: drag drop
console devtools: console
requests network calls traffic: network request
visit go navigate: navigate
browser page: browser page
directions route drive driving walk walking travel commute: direction distance route travel
distance far long: distance
near nearby local around restaurant shop cafe coffee business store: local place search
address where location located: geocode address location place
high height: elevation
notion: notion page
paragraph text block: block children append
bottom end: append
property properties status: property update patch
filter: query filter
ticket tickets: issue
statuses workflow states: status state
cause why: analyze details describe
root: analyze cause
version deployed release: release version
jira: jira issue
epic story: epic link
worklog hours spent: worklog time
sprint: sprint board
confluence: confluence page
yaml manifest deploy: apply manifest
pending stuck broken inspect details: describe details
pod pods deployment deployments namespace namespaces node nodes service services daemonset statefulset configmap: kubernetes kubectl resource
replicas scale: scale replica
restart: rollout restart
helm chart: helm chart install
exec inside: exec command
expose forward tunnel: port forward
dockerfile: build image
volume storage disk: volume
bill invoice: invoice
free busy availability available: freebusy free busy
draft compose: draft
think reason reasoning steps step plan: thinking thought sequential
generate draw paint render: generate image
drive gdrive: drive gdrive
cell: cell update
aws: aws
knowledge kb: knowledge base retrieval
warnings: alert
rain snow sunny temperature hot cold: forecast weather
npm pip make git: command execute
running programs: process list
library libraries framework package packages sdk: library docs
vault obsidian: vault obsidian
journal entry: append note
`

// relatedTerms maps an analysed term to the analysed terms it also looks
// for.
var relatedTerms = func() map[string][]string {
	m := map[string][]string{}
	addAll := func(from []string, to []string) {
		for _, f := range from {
			for _, t := range to {
				if t != f && !contains(m[f], t) {
					m[f] = append(m[f], t)
				}
			}
		}
	}
	for _, line := range strings.Split(related, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "":
		case strings.HasPrefix(line, "="):
			words := analyseList(line[1:])
			addAll(words, words)
		default:
			left, right, ok := strings.Cut(line, ":")
			if !ok {
				panic("toolsearch: related line without '=' or ':': " + line)
			}
			addAll(analyseList(left), analyseList(right))
		}
	}
	return m
}()

func analyseList(s string) []string {
	var out []string
	for _, t := range terms(s) {
		if !contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
