package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Check adds cdk-nag's AwsSolutions rules to scope (the app, in main and in tests): synth
// reports each finding as an error or a warning unless a suppression with a reason covers it.
// Suppressions sit next to the resource they excuse.
func Check(scope constructs.IConstruct) {
	awscdk.Aspects_Of(scope).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{
		Verbose: jsii.Bool(true),
	}), nil)
}
