package auth

import (
	"fmt"
	"slices"
	"strings"
)

// holds refuses when by lacks one of perms: nobody hands out more than
// they have, whether in a key, a role or a principal's roles.
func holds(by *Identity, perms []string, what string) error {
	if by == nil {
		return nil
	}
	for _, p := range perms {
		if !by.Has(p) {
			return fmt.Errorf("%w: %s would grant %s, which %s does not hold", ErrForbidden, what, p, by.describe())
		}
	}
	return nil
}

// Role is one role by name.
func (s *Service) Role(name string) (Role, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.role(name)
	if r == nil {
		return Role{}, fmt.Errorf("%w: no role named %q", ErrNotFound, name)
	}
	return *r, nil
}

// UpdateRole changes a custom role's description and, when perms is not
// nil, its permissions; keys that grant it change with it.
func (s *Service) UpdateRole(name string, description *string, perms []string, by *Identity) (Role, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if builtin(name) != nil {
		return Role{}, fmt.Errorf("%w: %q is a built-in role and cannot be changed", ErrConflict, name)
	}
	i := slices.IndexFunc(s.s.Roles, func(r *Role) bool { return r.Name == name })
	if i < 0 {
		return Role{}, fmt.Errorf("%w: no role named %q", ErrNotFound, name)
	}
	next := *s.s.Roles[i]
	if description != nil {
		next.Description = *description
	}
	if perms != nil {
		if len(perms) == 0 {
			return Role{}, invalid("permissions", "a role needs at least one permission")
		}
		for _, p := range perms {
			if !KnownPermission(p) {
				return Role{}, invalid("permissions", "unknown permission %q; known: %s", p, strings.Join(Permissions, ", "))
			}
		}
		if err := holds(by, perms, "role "+name); err != nil {
			return Role{}, err
		}
		next.Permissions = sorted(slices.Clone(perms))
	}
	old := s.s.Roles[i]
	s.s.Roles[i] = &next
	if err := s.save(); err != nil {
		s.s.Roles[i] = old
		return Role{}, err
	}
	return next, nil
}

// Principal is one principal by name.
func (s *Service) Principal(name string) (Principal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.principal(name)
	if p == nil {
		return Principal{}, fmt.Errorf("%w: no principal named %q", ErrNotFound, name)
	}
	return *p, nil
}

// AssignRole gives a principal a role (and so its keys without a role of
// their own).
func (s *Service) AssignRole(principal, role string, by *Identity) (Principal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.principal(principal)
	if p == nil {
		return Principal{}, fmt.Errorf("%w: no principal named %q", ErrNotFound, principal)
	}
	r := s.role(role)
	if r == nil {
		return Principal{}, invalid("role", "no role named %q", role)
	}
	if err := holds(by, r.Permissions, "role "+role); err != nil {
		return Principal{}, err
	}
	if slices.Contains(p.Roles, role) {
		return *p, nil
	}
	old := p.Roles
	p.Roles = sorted(append(slices.Clone(p.Roles), role))
	if err := s.save(); err != nil {
		p.Roles = old
		return Principal{}, err
	}
	return *p, nil
}

// RevokeRole takes a role from a principal.
func (s *Service) RevokeRole(principal, role string) (Principal, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.principal(principal)
	if p == nil {
		return Principal{}, fmt.Errorf("%w: no principal named %q", ErrNotFound, principal)
	}
	i := slices.Index(p.Roles, role)
	if i < 0 {
		return Principal{}, fmt.Errorf("%w: principal %q does not have role %q", ErrNotFound, principal, role)
	}
	old := p.Roles
	p.Roles = slices.Delete(slices.Clone(p.Roles), i, i+1)
	if err := s.save(); err != nil {
		p.Roles = old
		return Principal{}, err
	}
	return *p, nil
}
