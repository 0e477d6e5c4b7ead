package ddbengine

// Concurrency: optimistic-version updates and transactions contend for the same item while
// readers watch it. Run under -race. DynamoDB's guarantees checked: no lost update (every
// acknowledged write is in the final item), transactions all-or-nothing (no reader, not even a
// TransactGetItems, ever sees half of one; cancelled ones leave no trace).

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// account is the hot item's state as the tests read it.
type account struct{ balance, version, bumps int }

func readAccount(it map[string]types.AttributeValue) (account, error) {
	var a account
	for name, dst := range map[string]*int{"balance": &a.balance, "version": &a.version, "bumps": &a.bumps} {
		v, ok := it[name].(*types.AttributeValueMemberN)
		if !ok {
			return a, errors.New("missing " + name)
		}
		x, err := strconv.Atoi(v.Value)
		if err != nil {
			return a, err
		}
		*dst = x
	}
	return a, nil
}

func TestConcurrentUpdatesAndTransactionsOnOneItem(t *testing.T) {
	ctx := context.Background()
	_, c, _ := newTestEngine(t, Options{})
	createIDTable(t, c, "accounts", types.StreamViewTypeNewAndOldImages)
	createIDTable(t, c, "flags", "")
	const total = 1000
	for _, id := range []string{"hot", "cold"} {
		putItems(t, c, "accounts", map[string]types.AttributeValue{"id": s(id), "balance": n(strconv.Itoa(total / 2)), "version": n("0"), "bumps": n("0")})
	}
	putItems(t, c, "flags", map[string]types.AttributeValue{"id": s("gate"), "open": &types.AttributeValueMemberBOOL{Value: true}})

	const updaters, transferrers, readers, per = 4, 4, 3, 25
	var (
		updates, transfers, cancels atomic.Int64
		netHotToCold                atomic.Int64
		writers, all                sync.WaitGroup
		done                        = make(chan struct{})
	)
	fail := func(err error) { t.Error(err) }

	// Updaters: read the version, then write bumps+1 guarded by it (optimistic locking).
	for range updaters {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for range per {
				for {
					out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("accounts"), Key: key("hot"), ConsistentRead: aws.Bool(true)})
					if err != nil {
						fail(err)
						return
					}
					a, err := readAccount(out.Item)
					if err != nil {
						fail(err)
						return
					}
					_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("accounts"), Key: key("hot"),
						UpdateExpression:          aws.String("SET bumps = bumps + :one, version = version + :one"),
						ConditionExpression:       aws.String("version = :v"),
						ExpressionAttributeValues: avs(":one", n("1"), ":v", n(strconv.Itoa(a.version)))})
					var ccf *types.ConditionalCheckFailedException
					if errors.As(err, &ccf) {
						continue
					}
					if err != nil {
						fail(err)
						return
					}
					updates.Add(1)
					break
				}
			}
		}()
	}

	// Transferrers: move money between hot and cold in a transaction that also bumps hot's
	// version and checks a gate in another table; every fifth checks a closed gate and must
	// be cancelled without a trace.
	for w := range transferrers {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := range per {
				amount := 1 + (w+i)%7
				hotDelta := -amount // hot pays cold
				if (w+i)%2 == 0 {
					hotDelta = amount
				}
				from, to := "hot", "cold"
				if hotDelta > 0 {
					from, to = to, from
				}
				gate := true
				if i%5 == 4 {
					gate = false
				}
				// Both sides of a transfer touch hot, which also bumps its version, so transfers
				// and the optimistic updaters race for the same version.
				side := func(id, op string) *types.Update {
					u := &types.Update{TableName: aws.String("accounts"), Key: key(id),
						UpdateExpression: aws.String("SET balance = balance " + op + " :amt"), ExpressionAttributeValues: avs(":amt", n(strconv.Itoa(amount)))}
					if id == "hot" {
						u.UpdateExpression = aws.String(*u.UpdateExpression + ", version = version + :one")
						u.ExpressionAttributeValues[":one"] = n("1")
					}
					return u
				}
				debit := side(from, "-")
				debit.ConditionExpression = aws.String("balance >= :amt")
				_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					{Update: debit},
					{Update: side(to, "+")},
					{ConditionCheck: &types.ConditionCheck{TableName: aws.String("flags"), Key: key("gate"),
						ConditionExpression: aws.String("#o = :open"), ExpressionAttributeNames: map[string]string{"#o": "open"},
						ExpressionAttributeValues: avs(":open", &types.AttributeValueMemberBOOL{Value: gate})}},
				}})
				var tce *types.TransactionCanceledException
				switch {
				case errors.As(err, &tce):
					cancels.Add(1)
					continue
				case err != nil:
					fail(err)
					return
				}
				transfers.Add(1)
				netHotToCold.Add(int64(-hotDelta))
				// A second transaction on the same item: version bump plus a check on cold, so
				// updaters also race transactions for hot's version.
				_, err = c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					{Update: &types.Update{TableName: aws.String("accounts"), Key: key("hot"), UpdateExpression: aws.String("SET version = version + :one"),
						ExpressionAttributeValues: avs(":one", n("1"))}},
					{ConditionCheck: &types.ConditionCheck{TableName: aws.String("accounts"), Key: key("cold"),
						ConditionExpression: aws.String("attribute_exists(balance)")}},
				}})
				if err != nil {
					fail(err)
					return
				}
				transfers.Add(1)
			}
		}()
	}

	// Readers: a TransactGetItems of both accounts always sums to the total; a single reader
	// never sees hot's version go backwards, and bumps never exceed the version.
	for r := range readers {
		all.Add(1)
		go func() {
			defer all.Done()
			lastVersion := -1
			for {
				select {
				case <-done:
					return
				default:
				}
				if r == 0 {
					out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("accounts"), Key: key("hot")})
					if err != nil {
						fail(err)
						return
					}
					a, err := readAccount(out.Item)
					if err != nil {
						fail(err)
						return
					}
					if a.version < lastVersion || a.bumps > a.version {
						t.Errorf("GetItem saw version %d after %d, bumps %d", a.version, lastVersion, a.bumps)
					}
					lastVersion = a.version
					continue
				}
				out, err := c.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
					{Get: &types.Get{TableName: aws.String("accounts"), Key: key("hot")}},
					{Get: &types.Get{TableName: aws.String("accounts"), Key: key("cold")}},
				}})
				if err != nil {
					fail(err)
					return
				}
				hot, err1 := readAccount(out.Responses[0].Item)
				cold, err2 := readAccount(out.Responses[1].Item)
				if err := errors.Join(err1, err2); err != nil {
					fail(err)
					return
				}
				if hot.balance+cold.balance != total || hot.balance < 0 || cold.balance < 0 {
					t.Errorf("TransactGetItems saw a half-applied transfer: hot %d + cold %d", hot.balance, cold.balance)
				}
			}
		}()
	}

	writers.Wait()
	close(done)
	all.Wait()

	var got [2]account
	for i, id := range []string{"hot", "cold"} {
		out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("accounts"), Key: key(id), ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		if got[i], err = readAccount(out.Item); err != nil {
			t.Fatal(err)
		}
	}
	hot, cold := got[0], got[1]
	if hot.bumps != int(updates.Load()) || updates.Load() != updaters*per {
		t.Errorf("bumps = %d, want %d acknowledged updates of %d (lost update)", hot.bumps, updates.Load(), updaters*per)
	}
	if want := int(updates.Load() + transfers.Load()); hot.version != want {
		t.Errorf("hot version = %d, want %d (updates %d + transaction writes %d)", hot.version, want, updates.Load(), transfers.Load())
	}
	if want := total/2 - int(netHotToCold.Load()); hot.balance != want || hot.balance+cold.balance != total {
		t.Errorf("balances hot %d cold %d, want hot %d and sum %d", hot.balance, cold.balance, want, total)
	}
	if cold.version != 0 {
		t.Errorf("cold version = %d: a cancelled or read-only action wrote it", cold.version)
	}
	if cancels.Load() < transferrers*per/5 {
		t.Errorf("%d transactions cancelled, want at least the %d with a closed gate", cancels.Load(), transferrers*per/5)
	}
}
