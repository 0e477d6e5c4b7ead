package cognito

import (
	"encoding/base64"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file holds the administrator operations (signed calls with the pool's ID).

// epoch is a timestamp as AWS JSON protocols send it: seconds since the epoch.
type epoch time.Time

func (e epoch) MarshalJSON() ([]byte, error) {
	return []byte(strconv.FormatFloat(float64(time.Time(e).UnixMilli())/1000, 'f', 3, 64)), nil
}

// userType is the API's UserType.
type userType struct {
	Username             string      `json:"Username"`
	Attributes           []attribute `json:"Attributes"`
	UserCreateDate       epoch       `json:"UserCreateDate"`
	UserLastModifiedDate epoch       `json:"UserLastModifiedDate"`
	Enabled              bool        `json:"Enabled"`
	UserStatus           string      `json:"UserStatus"`
}

func userTypeOf(u *user, names []string) userType {
	return userType{
		Username: u.Username, Attributes: attributes(u, names),
		UserCreateDate: epoch(u.Created), UserLastModifiedDate: epoch(u.Modified),
		Enabled: u.Enabled, UserStatus: u.Status,
	}
}

type adminUserInput struct {
	UserPoolId string
	Username   string
}

// adminUser runs f on the named user with the pool's lock held.
func (s *Service) adminUser(poolID, name string, f func(p *pool, u *user) (any, error)) (any, error) {
	p, err := s.pool(poolID)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	u, err := userOf(p, name)
	if err != nil {
		return nil, err
	}
	return f(p, u)
}

// update stores a modified copy of u, made by change, and saves.
func (s *Service) update(p *pool, u *user, change func(next *user)) error {
	next := *u
	next.Attributes = cloneMap(u.Attributes)
	next.Groups = slices.Clone(u.Groups)
	change(&next)
	next.Modified = s.opts.Now().UTC()
	return s.replace(p, u, &next)
}

type adminCreateUserInput struct {
	UserPoolId        string
	Username          string
	UserAttributes    []attribute
	TemporaryPassword string
	MessageAction     string
}

func (s *Service) adminCreateUser(in *adminCreateUserInput) (any, error) {
	p, err := s.pool(in.UserPoolId)
	if err != nil {
		return nil, err
	}
	if in.MessageAction == "RESEND" {
		return nil, errorf(ErrInvalidParameter, "MessageAction RESEND is not supported by the local Cognito")
	}
	temp := in.TemporaryPassword
	generated := temp == ""
	if generated {
		if temp, err = temporaryPassword(p.PasswordPolicy); err != nil {
			return nil, err
		}
	} else if err := checkPassword(p.PasswordPolicy, temp); err != nil {
		return nil, err
	}
	hash, err := hashPassword(temp, s.opts.PasswordCost)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	u, err := s.newUser(p, in.Username, in.UserAttributes, true)
	if err != nil {
		if errors.Is(err, ErrUsernameExists) {
			return nil, errorf(ErrUsernameExists, "User account already exists")
		}
		return nil, err
	}
	u.Password, u.Status = hash, statusForceChangePassword
	u.TempExpires = s.opts.Now().Add(p.PasswordPolicy.TemporaryPasswordValidity).UTC()
	p.put(u)
	if err := p.save(); err != nil {
		p.delete(u)
		return nil, err
	}
	if generated && in.MessageAction != "SUPPRESS" {
		s.logf("temporary password for %s in pool %s: %s", in.Username, p.ID, temp)
	}
	return map[string]any{"User": userTypeOf(u, nil)}, nil
}

type adminSetUserPasswordInput struct {
	UserPoolId string
	Username   string
	Password   string
	Permanent  bool
}

func (s *Service) adminSetUserPassword(in *adminSetUserPasswordInput) (any, error) {
	p, err := s.pool(in.UserPoolId)
	if err != nil {
		return nil, err
	}
	if err := checkPassword(p.PasswordPolicy, in.Password); err != nil {
		return nil, err
	}
	hash, err := hashPassword(in.Password, s.opts.PasswordCost)
	if err != nil {
		return nil, err
	}
	return s.adminUser(in.UserPoolId, in.Username, func(p *pool, u *user) (any, error) {
		return struct{}{}, s.update(p, u, func(next *user) {
			next.Password = hash
			if in.Permanent {
				next.Status, next.TempExpires, next.Code = statusConfirmed, time.Time{}, ""
			} else {
				next.Status = statusForceChangePassword
				next.TempExpires = s.opts.Now().Add(p.PasswordPolicy.TemporaryPasswordValidity).UTC()
			}
		})
	})
}

func (s *Service) adminConfirmSignUp(in *adminUserInput) (any, error) {
	return s.adminUser(in.UserPoolId, in.Username, func(p *pool, u *user) (any, error) {
		if u.Status != statusUnconfirmed {
			return nil, errorf(ErrNotAuthorized, "User cannot be confirmed. Current status is %s", u.Status)
		}
		return struct{}{}, s.update(p, u, func(next *user) {
			next.Status, next.Code, next.CodeExpires = statusConfirmed, "", time.Time{}
		})
	})
}

type adminGroupInput struct {
	UserPoolId string
	Username   string
	GroupName  string
}

// group checks that p has the named group.
func group(p *pool, name string) error {
	if name == "" {
		return errorf(ErrInvalidParameter, "1 validation error detected: Value at 'groupName' failed to satisfy constraint: Member must not be null")
	}
	if _, ok := p.groups[name]; !ok {
		return errorf(ErrResourceNotFound, "Group not found.")
	}
	return nil
}

func (s *Service) adminAddUserToGroup(in *adminGroupInput) (any, error) {
	return s.adminUser(in.UserPoolId, in.Username, func(p *pool, u *user) (any, error) {
		if err := group(p, in.GroupName); err != nil {
			return nil, err
		}
		if slices.Contains(u.Groups, in.GroupName) {
			return struct{}{}, nil
		}
		return struct{}{}, s.update(p, u, func(next *user) {
			next.Groups = append(next.Groups, in.GroupName)
			slices.Sort(next.Groups)
		})
	})
}

func (s *Service) adminRemoveUserFromGroup(in *adminGroupInput) (any, error) {
	return s.adminUser(in.UserPoolId, in.Username, func(p *pool, u *user) (any, error) {
		if err := group(p, in.GroupName); err != nil {
			return nil, err
		}
		if !slices.Contains(u.Groups, in.GroupName) {
			return struct{}{}, nil
		}
		return struct{}{}, s.update(p, u, func(next *user) {
			next.Groups = slices.DeleteFunc(next.Groups, func(g string) bool { return g == in.GroupName })
		})
	})
}

// groupType is the API's GroupType.
type groupType struct {
	GroupName   string `json:"GroupName"`
	UserPoolId  string `json:"UserPoolId"`
	Description string `json:"Description,omitempty"`
	Precedence  *int   `json:"Precedence,omitempty"`
	RoleArn     string `json:"RoleArn,omitempty"`
}

func groupTypeOf(p *pool, name string) groupType {
	g := p.groups[name]
	out := groupType{GroupName: g.Name, UserPoolId: p.ID, Description: g.Description, RoleArn: g.RoleARN}
	if g.Precedence >= 0 {
		prec := g.Precedence
		out.Precedence = &prec
	}
	return out
}

type adminListGroupsForUserInput struct {
	UserPoolId string
	Username   string
	Limit      int
	NextToken  string
}

func (s *Service) adminListGroupsForUser(in *adminListGroupsForUserInput) (any, error) {
	return s.adminUser(in.UserPoolId, in.Username, func(p *pool, u *user) (any, error) {
		page, next, err := paginate(u.Groups, in.Limit, in.NextToken, func(g string) string { return g })
		if err != nil {
			return nil, err
		}
		groups := make([]groupType, 0, len(page))
		for _, g := range page {
			groups = append(groups, groupTypeOf(p, g))
		}
		return listOut("Groups", groups, "NextToken", next), nil
	})
}

type listGroupsInput struct {
	UserPoolId string
	Limit      int
	NextToken  string
}

func (s *Service) listGroups(in *listGroupsInput) (any, error) {
	p, err := s.pool(in.UserPoolId)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(p.groups))
	for n := range p.groups {
		names = append(names, n)
	}
	slices.Sort(names)
	page, next, err := paginate(names, in.Limit, in.NextToken, func(g string) string { return g })
	if err != nil {
		return nil, err
	}
	groups := make([]groupType, 0, len(page))
	for _, g := range page {
		groups = append(groups, groupTypeOf(p, g))
	}
	return listOut("Groups", groups, "NextToken", next), nil
}

func (s *Service) adminGetUser(in *adminUserInput) (any, error) {
	return s.adminUser(in.UserPoolId, in.Username, func(_ *pool, u *user) (any, error) {
		t := userTypeOf(u, nil)
		return map[string]any{
			"Username": t.Username, "UserAttributes": t.Attributes, "UserCreateDate": t.UserCreateDate,
			"UserLastModifiedDate": t.UserLastModifiedDate, "Enabled": t.Enabled, "UserStatus": t.UserStatus,
		}, nil
	})
}

func (s *Service) adminDeleteUser(in *adminUserInput) (any, error) {
	return s.adminUser(in.UserPoolId, in.Username, func(p *pool, u *user) (any, error) {
		saved := p.sessions
		p.sessions = make(map[string]*session, len(saved))
		for h, sess := range saved {
			p.sessions[h] = sess
		}
		p.delete(u)
		if err := p.save(); err != nil {
			p.sessions = saved
			p.put(u)
			return nil, err
		}
		return struct{}{}, nil
	})
}

type listUsersInput struct {
	UserPoolId      string
	AttributesToGet []string
	Filter          string
	Limit           int
	PaginationToken string
}

func (s *Service) listUsers(in *listUsersInput) (any, error) {
	p, err := s.pool(in.UserPoolId)
	if err != nil {
		return nil, err
	}
	match, err := parseFilter(p, in.Filter)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var users []*user
	for _, u := range p.users {
		if match(u) {
			users = append(users, u)
		}
	}
	return s.userPage(users, in.AttributesToGet, in.Limit, in.PaginationToken, "PaginationToken")
}

type listUsersInGroupInput struct {
	UserPoolId string
	GroupName  string
	Limit      int
	NextToken  string
}

func (s *Service) listUsersInGroup(in *listUsersInGroupInput) (any, error) {
	p, err := s.pool(in.UserPoolId)
	if err != nil {
		return nil, err
	}
	if err := group(p, in.GroupName); err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var users []*user
	for _, u := range p.users {
		if slices.Contains(u.Groups, in.GroupName) {
			users = append(users, u)
		}
	}
	return s.userPage(users, nil, in.Limit, in.NextToken, "NextToken")
}

// userPage is one page of users in username order.
func (s *Service) userPage(users []*user, names []string, limit int, token, tokenField string) (any, error) {
	slices.SortFunc(users, func(a, b *user) int { return strings.Compare(a.Username, b.Username) })
	page, next, err := paginate(users, limit, token, func(u *user) string { return u.Username })
	if err != nil {
		return nil, err
	}
	out := make([]userType, 0, len(page))
	for _, u := range page {
		out = append(out, userTypeOf(u, names))
	}
	return listOut("Users", out, tokenField, next), nil
}

// maxLimit is the largest page the list operations return (Cognito: 60).
const maxLimit = 60

// paginate returns the page of sorted items after token (the key of the page's first item)
// and the next page's token, "" at the end.
func paginate[T any](items []T, limit int, token string, key func(T) string) ([]T, string, error) {
	if limit < 0 || limit > maxLimit {
		return nil, "", errorf(ErrInvalidParameter, "1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value less than or equal to %d", limit, maxLimit)
	}
	if limit == 0 {
		limit = maxLimit
	}
	start := 0
	if token != "" {
		first, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			return nil, "", errorf(ErrInvalidParameter, "Invalid pagination token")
		}
		start, _ = slices.BinarySearchFunc(items, string(first), func(it T, k string) int { return strings.Compare(key(it), k) })
	}
	end := min(start+limit, len(items))
	next := ""
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte(key(items[end])))
	}
	return items[start:end], next, nil
}

func listOut[T any](field string, items []T, tokenField, token string) map[string]any {
	out := map[string]any{field: items}
	if token != "" {
		out[tokenField] = token
	}
	return out
}

// filterAttributes are the attributes ListUsers can filter on, by filter name.
var filterAttributes = map[string]func(u *user) string{
	"username":            func(u *user) string { return u.Username },
	"cognito:user_status": func(u *user) string { return u.Status },
	"status": func(u *user) string {
		if u.Enabled {
			return "Enabled"
		}
		return "Disabled"
	},
}

// parseFilter reads a ListUsers filter: `attribute = "value"` (exact) or `attribute ^=
// "value"` (prefix) on username, email, phone_number, name, given_name, family_name,
// preferred_username, cognito:user_status, status or sub. Empty matches everyone.
func parseFilter(p *pool, filter string) (func(u *user) bool, error) {
	filter = strings.TrimSpace(filter)
	if filter == "" {
		return func(*user) bool { return true }, nil
	}
	bad := errorf(ErrInvalidParameter, "Error while parsing filter.")
	name, rest, ok := strings.Cut(filter, "=")
	if !ok {
		return nil, bad
	}
	prefix := strings.HasSuffix(name, "^")
	name = strings.TrimSpace(strings.TrimSuffix(name, "^"))
	value, err := strconv.Unquote(strings.TrimSpace(rest))
	if err != nil || !strings.HasPrefix(strings.TrimSpace(rest), `"`) {
		return nil, bad
	}
	get, ok := filterAttributes[name]
	if !ok {
		switch name {
		case "email", "phone_number", "name", "given_name", "family_name", "preferred_username", "sub":
			get = func(u *user) string { return u.Attributes[name] }
		default:
			return nil, errorf(ErrInvalidParameter, "Invalid search attribute: %s", name)
		}
	}
	fold := name == "username" || name == "email" || name == "preferred_username"
	if fold {
		value = p.key(value)
	}
	return func(u *user) bool {
		v := get(u)
		if fold {
			v = p.key(v)
		}
		if prefix {
			return strings.HasPrefix(v, value)
		}
		return v == value
	}, nil
}
