package runtime

import "github.com/microshop/microshop/local/console"

// registerMail adds the Mail page; its JSON (GET /_console/api/mail) is the mailbox's own
// handler (sesmail.MailboxHandler), mounted on the edge ahead of the console.
func registerMail(c *console.Console) {
	shell(c, console.Page{Path: "mail", Title: "Mail", Summary: "what the functions sent through SES"},
		"mail.js", `<form class="inline" id="filter"><label>To <input name="to" type="search" placeholder="address"></label></form>
<p class="muted" id="count" role="status"></p>
<div class="mail"><ul id="messages" class="list"></ul><article id="message" hidden></article></div>`)
}
