// Package cognito is the local runtime's Amazon Cognito user pools: the Cognito Identity
// Provider JSON API (X-Amz-Target AWSCognitoIdentityProviderService.<Op>, AWS JSON 1.1) for
// the user pools, app clients and groups a template declares (template.UserPool), so the AWS
// CLI and SDKs can sign users up and in against the edge port and the tokens they get are
// accepted by the template's JWT authorizers.
//
// # Operations
//
// SignUp, ConfirmSignUp, InitiateAuth (USER_PASSWORD_AUTH, REFRESH_TOKEN_AUTH),
// RespondToAuthChallenge (NEW_PASSWORD_REQUIRED, for users an administrator created), GetUser,
// GlobalSignOut, AdminCreateUser, AdminSetUserPassword, AdminConfirmSignUp,
// AdminAddUserToGroup, AdminRemoveUserFromGroup, AdminListGroupsForUser, AdminGetUser,
// AdminDeleteUser, ListUsers (with Filter on username, email, sub, status, ...), ListGroups
// and ListUsersInGroup. Errors carry Cognito's exception names in __type and in the
// x-amzn-ErrorType header, so the SDK returns its typed errors (*types.NotAuthorizedException,
// ...). Anything else is UnknownOperationException.
//
// # As on Cognito
//
//   - A client's ExplicitAuthFlows decide whether USER_PASSWORD_AUTH works; unknown clients
//     and pools are ResourceNotFoundException; PreventUserExistenceErrors ENABLED answers an
//     unknown user like a wrong password.
//   - A pool with UsernameAttributes [email] signs users in with their email: SignUp's
//     Username is the email and the user's username is a generated UUID (also their sub).
//     UsernameConfiguration.CaseSensitive false makes usernames and emails match
//     case-insensitively.
//   - Passwords are checked against the pool's PasswordPolicy (InvalidPasswordException).
//   - Tokens: ID, access (scope aws.cognito.signin.user.admin) and refresh. ID and access
//     tokens carry Cognito's claims (sub, cognito:groups, cognito:username or username,
//     token_use, client_id or aud, scope, auth_time, iss, exp, iat, jti, origin_jti, email,
//     email_verified), iss is the pool's issuer URL, lifetimes are the client's token
//     validities. A refresh returns new ID and access tokens with the user's current groups.
//   - GlobalSignOut revokes the user's refresh tokens and the access tokens issued from them
//     (GetUser refuses them; API Gateway, as on AWS, accepts them until they expire).
//
// # Local differences (chosen)
//
//   - No e-mail or SMS leaves the machine: a confirmation code, and the temporary password of
//     AdminCreateUser when none is given, are written to Options.Log instead. With
//     Options.AutoConfirm, SignUp confirms the user (and verifies the auto-verified
//     attributes) at once.
//   - Tokens are signed by the local runtime's issuer (local/jwtauth) with one key for every
//     pool; refresh tokens are opaque random strings, not Cognito's encrypted JWTs.
//   - A client with GenerateSecret has a fixed local secret (Fn::GetAtt ClientSecret) and
//     SECRET_HASH is checked against it.
//   - No SRP, MFA, devices, Lambda triggers, attribute updates, password reset, hosted UI or
//     OAuth endpoints. Schema attributes are stored as given, without checks.
//
// # Storage
//
// Passwords are stored as bcrypt hashes (of their SHA-256, so passwords longer than bcrypt's
// 72 bytes still count in full) and refresh tokens as SHA-256 hashes; neither appears in a log.
// With Options.DataDir each pool's users, groups and sessions are kept in
// DataDir/cognito/<pool ID>.json, rewritten atomically after every change (temporary file,
// fsync, rename), so users survive restarts.
package cognito
