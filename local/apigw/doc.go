// Package apigw serves an API Gateway HTTP API (AWS::ApiGatewayV2::Api, protocol HTTP) locally:
// it selects a route for each request the way API Gateway does, sends the route's Lambda
// function a payload format 2.0 event (or 1.0, the REST API shape, for routes whose
// integration says so), and turns the function's answer into the HTTP response. NewRest
// serves REST APIs (see "REST APIs" below). Both are wired into the local runtime by
// local/runtime; New is the only way in for HTTP APIs, and Err reports the routes it could
// not set up (an unknown payload format version, a non-Lambda integration, a malformed or
// conflicting route key): requests selecting such a route get a 500.
//
// Behaviour follows API Gateway, not a generic router. Where AWS documents nothing, the choice
// below comes from captured real events (aws-lambda-go's events/testdata and published
// captures) and is marked "chosen".
//
// Route selection
//
//   - The path decides first, segment by segment from the left: a literal segment beats
//     {param}, which beats a greedy {proxy+}. For the same path pattern, an exact method beats
//     ANY. When no route with a path matches, $default takes the request; without one the
//     answer is 404 {"message":"Not Found"}. A route for the right path but another method
//     does not stop the search: "POST /p/new" does not hide "GET /p/{id}" from GET /p/new.
//   - {param} matches one non-empty segment; {proxy+} matches one or more segments and only as
//     the last segment of a route; its value is the rest of the path ("a/b").
//   - Matching uses the decoded path, as HTTP APIs do: rawPath, requestContext.http.path and
//     the path parameters are percent-decoded once (/p/a%20b gives id "a b"; an encoded slash
//     %2F splits segments, as it does on AWS). AWS's further quirks with %25 and %3F are not
//     copied.
//   - A single trailing slash is ignored for matching (/products/ selects "GET /products"),
//     but kept in rawPath. An empty segment never matches a {param} ("/products/" does not
//     match "GET /products/{id}").
//   - HEAD and OPTIONS are ordinary methods, as on an HTTP API without CORS configuration:
//     they match "HEAD /x" / "OPTIONS /x" routes, then ANY, then $default, else 404. HEAD is
//     not mapped to GET and no preflight is answered (the template model carries no CORS
//     configuration). A HEAD response carries the function's headers but no body.
//   - A stage other than "$default" (Options.Stage) is the first path segment, as on AWS:
//     /dev/products is routed as /products and rawPath keeps /dev/products.
//
// Event (payload format 2.0)
//
//   - Keys follow real API Gateway captures: cookies, queryStringParameters, pathParameters,
//     stageVariables and body are omitted when empty; requestContext.authentication (mutual
//     TLS only) is never sent; requestContext.authorizer only when an Authorizer supplied it.
//   - headers are lower-cased, repeated headers joined with "," and the Cookie header moves to
//     cookies (split at ";"). API Gateway's own headers are set: host, content-length (always,
//     "0" for an empty body), x-forwarded-for (the client's address appended), x-forwarded-port
//     (the local port), x-forwarded-proto ("http" locally), and x-amzn-trace-id (kept when the
//     client sent one).
//   - rawQueryString is the query exactly as received; queryStringParameters holds the decoded
//     values ("+" is a space), repeated keys joined with ",".
//   - requestContext.domainName (chosen) is the Host the client addressed, port included, and
//     equals headers.host: on AWS domainName is the host the client used (the execute-api
//     name or a custom domain), so locally links built from it point back at this server.
//     domainPrefix is its first DNS label (the whole address for an IP literal).
//   - requestId looks like API Gateway's ("JKJaXmPLvHcESHA=") and is also sent to the client
//     in the apigw-requestid response header. time is "02/Jan/2006:15:04:05 +0000" in UTC.
//   - The body is sent as text (isBase64Encoded false) only when Content-Type is text/* or
//     exactly application/json, application/xml or application/javascript, which is how
//     real HTTP APIs were measured to behave; anything else, a missing Content-Type and
//     application/x-www-form-urlencoded included, is base64-encoded. Chosen beyond that: a
//     "text" body that is not valid UTF-8 or carries a Content-Encoding is base64-encoded too,
//     so no byte is lost.
//   - Bodies over 10 MB are refused with 413 {"message":"Request Entity Too Large"}.
//
// Response
//
//   - A JSON object with a "statusCode" key is the structured format: statusCode (a number,
//     100-599), headers (string values; numbers and booleans are accepted and printed), cookies
//     (each becomes a Set-Cookie header), body (a string) and isBase64Encoded. Without a
//     content-type header the response is "text/plain; charset=utf-8" (chosen; REST APIs
//     default to application/json, HTTP APIs do not). multiValueHeaders is ignored, as API
//     Gateway ignores it for payload 2.0; the log says so once per function.
//   - Any other valid JSON is the inferred format: status 200, content-type application/json,
//     and the body is the function's response: a JSON string is sent unquoted, any other value
//     (object, array, number, boolean, null) as the JSON text the function returned.
//   - An invalid response (not JSON, a bad field type, a status outside 100-599, bad base64)
//     is 500 {"message":"Internal Server Error"}.
//
// Failures
//
//   - A function error, crash or function timeout, and an invocation that never ran (the
//     Invoker's error), are 500 {"message":"Internal Server Error"}.
//   - A response slower than the route's integration timeout (Route.IntegrationTimeout,
//     default 30 s) is 503 {"message":"Service Unavailable"}. The server stops waiting then
//     even if the Invoker does not; the invocation's context ends, and what that does to a
//     running function is the Invoker's business. A client that disconnects does not cancel
//     the invocation, as on AWS.
//   - Routes whose AuthorizationType is not NONE go through Options.Authorizer before the
//     function is invoked. The runtime sets it from the template's JWT authorizers
//     (local/jwtauth): a missing, expired, wrongly signed token or one for another issuer or
//     audience is 401 {"message":"Unauthorized"}, and an accepted token's claims reach the
//     function as requestContext.authorizer.jwt.claims (lists flattened, as API Gateway
//     does: "[admin users]"). Tokens come from the local Cognito user pools or
//     `devcloud token`, both signed by the runtime's issuer. An API with no Authorizer
//     serves such routes as if NONE.
//   - Routes whose AuthorizationType is CUSTOM go through their Lambda authorizer, one of
//     Options.Authorizers (see "Lambda authorizers of HTTP APIs" below).
//
// One line per request goes to Options.Log, e.g.
//
//	GET /products/abc 200 1.2ms GET /products/{id} -> catalog-get-product (cold start, init 85.0ms)
//
// # Lambda authorizers of HTTP APIs
//
// Options.Authorizers with AuthorizerType REQUEST (AWS::ApiGatewayV2::Authorizer, or a Body's
// x-amazon-apigateway-authorizer as SAM's HttpApi Auth writes it) guard the CUSTOM routes
// that name them. The function is invoked through the server's Invoker, as routes are, so
// it is logged and recorded like any invocation. In order:
//
//   - Identity sources ($request.header.<name>, case-insensitive; $request.querystring.<name>,
//     case-sensitive; $context.<variable>; $stageVariables.<name>) must all be present and not
//     empty, else 401 {"message":"Unauthorized"} without calling the function. With none
//     configured the function is always called.
//   - Cache: with AuthorizerResultTtlInSeconds above 0 (at most 3600; 0 or omitted is off),
//     answers are kept by the identity source values and shared by every route of the
//     authorizer, as on AWS; a cached IAM policy is matched against each request's route ARN.
//   - The function gets events.APIGatewayV2CustomAuthorizerV2Request (payload format 2.0:
//     the route event's fields, routeArn, routeKey, identitySource as a list) or
//     events.APIGatewayV2CustomAuthorizerV1Request (1.0: the REST API shape with methodArn,
//     identitySource and authorizationToken the values joined with ","). The route ARN is
//     arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD><path>, the path as
//     requested without the stage segment.
//   - With EnableSimpleResponses (2.0 only) the answer is {"isAuthorized": bool, "context":
//     {...}}; otherwise an IAM policy (principalId, policyDocument, context) evaluated like the
//     REST API's: execute-api:Invoke on the route ARN, wildcards, an explicit Deny wins. No:
//     403 {"message":"Forbidden"}. A function error "Unauthorized" is 401 (as REST APIs and
//     sam local do: chosen); any other failure, a timeout (30 s) or an answer of the wrong
//     shape is 500 {"message":"Internal Server Error"}.
//   - The route's function sees the context, its values as the authorizer returned them
//     (numbers, booleans, lists and objects kept), as requestContext.authorizer.lambda; after
//     an IAM policy answer the principalId is added to it (chosen, as sam local does). A 1.0
//     route gets the same map as requestContext.authorizer.
//   - A configuration API Gateway refuses (no function, a payload format other than 1.0 and
//     2.0, simple responses with 1.0, caching without an identity source, an unknown identity
//     source or context variable) is reported by Err, and its routes answer 500. So does a
//     CUSTOM route whose authorizer is not among Options.Authorizers when that is set.
//
// # REST APIs
//
// NewRest serves a REST API (AWS::ApiGateway::RestApi, from its resources or its OpenAPI
// Body; see local/template) with the Lambda proxy integration, payload format 1.0
// (events.APIGatewayProxyRequest). What differs from the HTTP API server above:
//
//   - Stages: a path whose first segment names one of the API's stages is served as that
//     stage without the segment (requestContext.path keeps it: "/prod/items"); any other path
//     is served as the API's first stage (the Stage resources first, then the Deployments'
//     StageName), as `sam local start-api` serves every path, and requestContext.path is then
//     the path as sent, as behind a custom domain. A path that matches nothing once its stage
//     segment is removed is tried whole (chosen), so "/prod" reaches a {proxy+} as "prod".
//   - Method selection is the same trie: literal, then {param}, then {proxy+}; an exact method
//     before ANY; one trailing slash ignored. A path no method matches is 403
//     {"message":"Missing Authentication Token"}, as REST APIs answer.
//   - Event: header names as Go's HTTP server canonicalizes them ("Cache-Control"; AWS keeps
//     the client's spelling); headers and queryStringParameters hold the last value of a
//     repeated key, multiValueHeaders and multiValueQueryStringParameters all of them; maps
//     with nothing in them are null. API Gateway's own headers (Host, X-Forwarded-For with the
//     client address appended, X-Forwarded-Port, X-Forwarded-Proto, X-Amzn-Trace-Id) are set.
//     requestContext carries accountId, apiId, resourceId, resourcePath, operationName,
//     stage, path, httpMethod, protocol, requestId (a UUID, also the x-amzn-RequestId response
//     header), extendedRequestId (x-amz-apigw-id), requestTime, requestTimeEpoch, domainName,
//     domainPrefix, identity.sourceIp and identity.userAgent; the other identity fields are
//     only filled by IAM authorization and stay empty.
//   - Bodies are base64-encoded (isBase64Encoded) only when the Content-Type matches one of
//     the API's binary media types ("image/png", "image/*", "*/*"; "~1" read as "/"), else
//     passed as text. A response with isBase64Encoded is decoded when the request's first
//     Accept type or the response's Content-Type is a binary media type, else its base64
//     text is sent as it is, as on AWS.
//   - Response: a JSON object with a numeric statusCode, headers, multiValueHeaders (merged;
//     a key in both keeps multiValueHeaders' values), a string body and isBase64Encoded;
//     content-type defaults to application/json. Anything else, and a function error, is 502
//     {"message": "Internal server error"}; an integration timeout (default 29 s) is 504
//     {"message": "Endpoint request timed out"}.
//   - Lambda authorizers (TOKEN, REQUEST): the authorizer function gets
//     events.APIGatewayCustomAuthorizerRequest (TOKEN) or ...RequestTypeRequest (REQUEST) with
//     the methodArn arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<path>. No
//     token (or one failing IdentityValidationExpression), a REQUEST identity source missing
//     while caching is on, or the function failing with "Unauthorized": 401
//     {"message":"Unauthorized"}. Its policy is evaluated like IAM (Action and Resource
//     wildcards; an explicit Deny wins): a Deny is 403 "User is not authorized to access this
//     resource with an explicit deny", no matching Allow 403 "User is not authorized to access
//     this resource". A failing or malformed authorizer is 500 {"message": null}. The
//     function sees requestContext.authorizer with principalId, the context values as
//     strings (numbers and booleans as their JSON text) and integrationLatency. Answers are
//     cached by token (TOKEN) or identity source values (REQUEST) for
//     AuthorizerResultTtlInSeconds (default 300, 0 = off) and the cached policy is evaluated
//     against each request's methodArn, as on AWS.
//   - COGNITO_USER_POOLS: the token in the identity source header (default Authorization; a
//     "Bearer " prefix is accepted) must be signed by the local issuer (RestOptions.Tokens,
//     the one the local user pools sign with), unexpired, issued by a pool of ProviderARNs,
//     and an ID token when the method has no AuthorizationScopes, else an access token with
//     one of them: otherwise 401. The claims reach requestContext.authorizer.claims as
//     strings.
//   - MOCK integrations (how the CDK's defaultCorsPreflightOptions and SAM's Cors answer
//     OPTIONS) return their default integration response: its status, the literal ('...')
//     header values of its ResponseParameters and its application/json ResponseTemplate as
//     the body, unevaluated (VTL is not run). Authorizers on the method apply first.
//   - AWS_IAM methods are served without a signature check (as sam local does), with a
//     warning at start.
//   - API keys (rest_apikey.go): a method with APIKeyRequired, after its authorizer, takes
//     the x-api-key header (or the Lambda authorizer's usageIdentifierKey when the API's key
//     source is AUTHORIZER); it must be an enabled key of a usage plan
//     (RestOptions.UsagePlans) covering the request's stage, else 403
//     {"message":"Forbidden"}. The plan's throttle (a token bucket per key) answers 429
//     {"message":"Too Many Requests"}, its quota (per key, per UTC DAY/WEEK/MONTH) 429
//     {"message":"Limit Exceeded"}; counts live in RestOptions.Usage, shared by the servers
//     of one runtime. The event carries requestContext.identity.apiKey and apiKeyId.
//
// HTTP API routes with payload format 1.0 get the same event shape (proxyEventV1) with
// header names in lower case, resource and resourcePath the route's path (the request's
// path for $default), resourceId the route key, the HTTP API's base64 rule for bodies, and
// a JWT authorizer's claims as requestContext.authorizer.claims; their response is read as
// a 1.0 response (every isBase64Encoded body decoded) and failures answer as HTTP APIs do
// (500 Internal Server Error).
package apigw
