package streamsource

import "github.com/microshop/microshop/local/ddbengine"

// LambdaJSON is the JSON a mapping puts in an event for engine record r of the stream arn.
func LambdaJSON(r ddbengine.Record, arn string) ([]byte, error) {
	c, err := convert(r, arn)
	return c.raw, err
}
