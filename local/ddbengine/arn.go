package ddbengine

import "strings"

// Table ARNs in place of names. DynamoDB accepts a table's ARN wherever a request takes a
// TableName (and as the keys of BatchGetItem's and BatchWriteItem's RequestItems). Before
// validation the engine replaces an ARN of one of its tables by the name; an ARN of another
// account or Region is refused with AccessDeniedException, as DynamoDB refuses a principal
// without rights there. Requests without "arn:" pay one prefix test per name.

// resolveARNs rewrites table ARNs in req (the decoded request of op) to names.
func (e *Engine) resolveARNs(op string, req *jval) *apiError {
	switch op {
	case "BatchGetItem", "BatchWriteItem":
		ri := req.get("RequestItems")
		if ri == nil || ri.k != jObj {
			return nil
		}
		for i := range ri.obj {
			if err := e.resolveName(op, &ri.obj[i].key); err != nil {
				return err
			}
		}
	case "TransactWriteItems", "TransactGetItems":
		for _, it := range req.get("TransactItems").arrOrNil() {
			if it == nil || it.k != jObj {
				continue
			}
			for _, action := range it.obj {
				if err := e.resolveField(op, action.val, "TableName"); err != nil {
					return err
				}
			}
		}
	case "RestoreTableFromBackup":
		return e.resolveField(op, req, "TargetTableName")
	default:
		return e.resolveField(op, req, "TableName")
	}
	return nil
}

func (e *Engine) resolveField(op string, obj *jval, name string) *apiError {
	v := obj.get(name)
	if v == nil || v.k != jStr {
		return nil
	}
	return e.resolveName(op, &v.s)
}

// resolveName replaces *s, when it is a table ARN, by the table's name.
func (e *Engine) resolveName(op string, s *string) *apiError {
	if !strings.HasPrefix(*s, "arn:") {
		return nil
	}
	m := tableArnRe.FindStringSubmatch(*s)
	if m == nil {
		return nil // left for validation, which reports the malformed name
	}
	if err := e.ownARN(op, *s); err != nil {
		return err
	}
	*s = m[1]
	return nil
}

// ownARN refuses an ARN of another account or Region (arn:aws:dynamodb:REGION:ACCOUNT:...).
func (e *Engine) ownARN(op, arn string) *apiError {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[3] == e.opts.Region && parts[4] == e.opts.AccountID {
		return nil
	}
	return &apiError{
		typ:          "com.amazon.coral.service#AccessDeniedException",
		msg:          "User: arn:aws:iam::" + e.opts.AccountID + ":root is not authorized to perform: dynamodb:" + op + " on resource: " + arn + " because no resource-based policy allows the dynamodb:" + op + " action",
		upperMessage: true,
	}
}
