// Command initfail is a test function that fails to initialise. With INIT_MODE=post it
// reports the failure to /runtime/init/error and then hangs (the runtime must kill it);
// otherwise it exits as log.Fatal does.
package main

import (
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	if os.Getenv("INIT_MODE") == "post" {
		url := "http://" + os.Getenv("AWS_LAMBDA_RUNTIME_API") + "/2018-06-01/runtime/init/error"
		req, _ := http.NewRequest(http.MethodPost, url,
			strings.NewReader(`{"errorMessage":"CONFIG is not set","errorType":"ConfigError"}`))
		req.Header.Set("Lambda-Runtime-Function-Error-Type", "Runtime.ConfigError")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		log.Printf("init/error: %s", resp.Status)
		time.Sleep(time.Hour)
	}
	if os.Getenv("CONFIG") == "" {
		log.Fatal("init: CONFIG is not set")
	}
	lambda.Start(func() error { return nil })
}
