package infra

import (
	"fmt"
	"net/mail"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
)

// Grant gives function fn of service s exactly what one of its use cases needs, usually on
// the service's table. The use case's store code fixes the actions: a change there that calls
// another DynamoDB action must change the grant too. Grants written here are the only way a
// service file gives its functions access, so each kind is written once.
type Grant func(s *Service, fn *GoFunction)

// ItemActions grants the given item actions (e.g. "dynamodb:GetItem") on the service's table
// itself, not on its indexes. TransactWriteItems needs no action of its own: IAM checks each
// Put, Update, Delete or ConditionCheck in it as PutItem, UpdateItem, DeleteItem or
// ConditionCheckItem.
func ItemActions(actions ...string) Grant {
	return func(s *Service, fn *GoFunction) {
		fn.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings(actions...),
			Resources: jsii.Strings(*s.Table.TableArn()),
		}))
	}
}

// QueryIndexes grants dynamodb:Query on the named indexes of the service's table and nothing
// else: not the table, not its other indexes. It panics when the spec has no such index.
func QueryIndexes(indexes ...string) Grant {
	return func(s *Service, fn *GoFunction) {
		var arns []string
		for _, name := range indexes {
			if _, ok := s.Spec.Table.Index(name); !ok {
				panic(fmt.Errorf("infra: %s: grant on index %q, which the %s table does not have",
					fn.Name, name, s.Spec.Name))
			}
			arns = append(arns, *s.Table.TableArn()+"/index/"+name)
		}
		fn.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("dynamodb:Query"),
			Resources: jsii.Strings(arns...),
		}))
	}
}

// Grants combines grants into one.
func Grants(grants ...Grant) Grant {
	return func(s *Service, fn *GoFunction) {
		for _, g := range grants {
			g(s, fn)
		}
	}
}

// MailFromContext is the context key naming the verified SES identity the shop sends its
// emails from (-c mailFrom=shop@example.com); without it functions use their documented
// default sender, which SES refuses until an identity is verified.
const MailFromContext = "mailFrom"

// MailFromEnv is the environment variable that names the sender to a function.
const MailFromEnv = "MAIL_FROM"

// SendEmailAs lets the function send email through SES from the identity from only (an
// email address identity: ses:SendEmail on arn:aws:ses:<region>:<account>:identity/<from>),
// and tells it the sender in MAIL_FROM. An empty from leaves MAIL_FROM unset (the function's
// default sender) and grants on that default's identity, which is verified nowhere.
func SendEmailAs(from, defaultFrom string) Grant {
	return func(s *Service, fn *GoFunction) {
		identity := defaultFrom
		if from != "" {
			identity = from
			fn.Function.AddEnvironment(jsii.String(MailFromEnv), jsii.String(from), nil)
		}
		if addr, err := mail.ParseAddress(identity); err == nil {
			identity = addr.Address // "Shop <shop@example.com>" is sent as shop@example.com
		}
		fn.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings("ses:SendEmail"),
			Resources: jsii.Strings(*awscdk.Stack_Of(fn.Function).FormatArn(&awscdk.ArnComponents{
				Service: jsii.String("ses"), Resource: jsii.String("identity"), ResourceName: jsii.String(identity),
			})),
		}))
	}
}
