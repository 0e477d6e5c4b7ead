package browsertest

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/chromedp/chromedp"

	"github.com/microshop/microshop/local/sdk"
	"github.com/microshop/microshop/local/template"
)

// Links into the console name what they show in the URL (streams?table=NAME): the page shows
// that, follows the user's pick in its URL, and says so when the name is not in the stack.

// tableOf returns the template table whose logical ID starts with prefix.
func tableOf(t *testing.T, prefix string) *template.Table {
	t.Helper()
	for _, tb := range rt.Model().Tables {
		if strings.HasPrefix(tb.LogicalID, prefix) {
			return tb
		}
	}
	t.Fatalf("no table %s* in the template", prefix)
	return nil
}

// A row written to the shipping table through the DynamoDB API is on the Streams page whose
// URL names that table — not on the first table's, which the page shows without a name —
// and picking another table puts that table in the URL, so a reload shows it again. The
// Tables and Stack pages link a table with a stream to the same page.
func TestConsoleStreamOfTheTableTheURLNames(t *testing.T) {
	ctx := context.Background()
	shipping, payments := tableOf(t, "ShippingTable"), tableOf(t, "PaymentsTable")
	var list struct {
		Streams []struct{ Table string }
	}
	consoleJSON(t, "streams", &list)
	if len(list.Streams) < 2 || list.Streams[0].Table == shipping.Name || list.Streams[0].Table == payments.Name {
		t.Fatalf("streams %+v: want the first another table than %s and %s, so that showing the first proves nothing", list.Streams, shipping.Name, payments.Name)
	}

	// No outboxEvent attribute: the shipping publisher's filter leaves the record alone.
	id := "console-stream#" + randomHex()
	item, err := attributevalue.MarshalMap(map[string]string{"id": id, "note": "written through the SDK"})
	if err != nil {
		t.Fatal(err)
	}
	db := sdk.DynamoDB(rt.EdgeURL())
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(shipping.Name), Item: item}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		key, _ := attributevalue.MarshalMap(map[string]string{"id": id})
		_, _ = db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(shipping.Name), Key: key})
	})

	p := newPage(t, 1280, 900)
	p.visitConsole("streams?table="+shipping.Name, "Streams")
	p.waitValue("#table", shipping.Name)
	row := p.waitFor("#records tr", id)
	if !strings.Contains(row, "INSERT") || !strings.Contains(row, "written through the SDK") {
		t.Errorf("the record of %s reads %q, want an INSERT with the new image", id, row)
	}
	p.waitFor("#count", "record")

	// Another table picked: its records, and the URL names it.
	p.run("pick the payments table", selectValue("#table", payments.Name))
	p.waitPath("/_console/streams?table=" + payments.Name)
	p.waitFor("#count", "record")
	if n := eval[int](p, fmt.Sprintf(`[...document.querySelectorAll("#records tr")].filter((tr) => tr.textContent.includes(%q)).length`, id)); n != 0 {
		t.Errorf("the payments table's stream shows %d records of the shipping item %s, want 0", n, id)
	}
	p.run("reload", chromedp.Reload())
	p.waitFor("h1", "Streams")
	p.waitValue("#table", payments.Name)

	// The Tables page links the table it shows to its stream, and follows the pick too.
	p.visitConsole("tables?table="+shipping.Name, "Tables")
	p.waitFor("#result-info", "Scan")
	p.run("pick the payments table", selectValue("#table", payments.Name))
	p.waitPath("/_console/tables?table=" + payments.Name)
	p.run("pick the shipping table", selectValue("#table", shipping.Name))
	p.waitPath("/_console/tables?table=" + shipping.Name)
	p.click("#stream-link")
	p.waitNavigated("streams")
	p.waitPath("/_console/streams?table=" + shipping.Name)
	p.waitValue("#table", shipping.Name)
	p.waitFor("#records tr", id)

	// So does the Stack page.
	p.visitConsole("stack", "Stack")
	p.click(fmt.Sprintf(`#tables .node[data-table=%q] .to a`, shipping.Name))
	p.waitNavigated("streams")
	p.waitPath("/_console/streams?table=" + shipping.Name)
	p.waitFor("#records tr", id)
}

// A page whose URL names something the stack does not have says so (and logs no error),
// and the Streams and Queues pages then show what the user picks, in their URL.
func TestConsoleStreamNamedWrongSaysSo(t *testing.T) {
	tests := []struct {
		path, css, want string
	}{
		{"streams?table=no-such-table", "#count.bad", "No table named “no-such-table” has a stream"},
		{"tables?table=no-such-table", "#result-info.bad", "No table named “no-such-table” in this stack"},
		{"queues?queue=no-such-queue", "#queue-missing", "No queue named “no-such-queue” in this stack"},
		{"traces/no-such-trace", "#no-trace", "No recorded hop carries “no-such-trace”"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			p := newPage(t, 1280, 900)
			p.run("visit console "+tt.path, chromedp.Navigate(rt.ConsoleURL()+tt.path))
			p.waitFor(tt.css, tt.want)
		})
	}

	shipping := tableOf(t, "ShippingTable")
	p := newPage(t, 1280, 900)
	p.visitConsole("streams?table=no-such-table", "Streams")
	p.waitFor("#count.bad", "no-such-table")
	p.run("pick the shipping table", selectValue("#table", shipping.Name))
	p.waitPath("/_console/streams?table=" + shipping.Name)
	p.waitFor("#count.muted", "record")

	// The same on the Queues page, whose list links each queue.
	dlq := queueOf(t, "OrdersSendConfirmationConsumerDeadLetterQueue")
	q := newPage(t, 1280, 900)
	q.visitConsole("queues?queue=no-such-queue", "Queues")
	q.waitFor("#queue-missing", "no-such-queue")
	q.clickText("#queues a", dlq.Name)
	q.waitPath("/_console/queues?queue=" + dlq.Name)
	q.waitFor("#queue-name", dlq.Name)
	if eval[bool](q, `!document.getElementById("queue-missing").hidden`) {
		t.Errorf("the Queues page still says %q with %s open", q.text("#queue-missing"), dlq.Name)
	}
}
