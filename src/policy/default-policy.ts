// The built-in "default" policy, attached to tokens unless they ask for no_default_policy. It gives a
// token what it needs to manage itself and nothing else; operators may edit it but not delete it.
// Vault's identity-templated entries (identity/entity/id/{{identity.entity.id}}) are left out until
// SecretHub has entities; templated paths are refused by the parser.

export const DEFAULT_POLICY_NAME = "default";

export const DEFAULT_POLICY_HCL = `# Built-in policy: what every token may do for itself.

# The token's own properties, renewal and revocation.
path "auth/token/lookup-self" {
  capabilities = ["read"]
}
path "auth/token/renew-self" {
  capabilities = ["update"]
}
path "auth/token/revoke-self" {
  capabilities = ["update"]
}

# Which capabilities the token has on a path, and the ACL its policies add up to (for UIs).
path "sys/capabilities-self" {
  capabilities = ["update"]
}
path "sys/internal/ui/resultant-acl" {
  capabilities = ["read"]
}

# Renewing and looking up leases by lease_id in the body (old and new paths).
path "sys/renew" {
  capabilities = ["update"]
}
path "sys/leases/renew" {
  capabilities = ["update"]
}
path "sys/leases/lookup" {
  capabilities = ["update"]
}

# The token's private cubbyhole.
path "cubbyhole/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}

# Response wrapping: wrap a value, inspect a wrapping token, unwrap it.
path "sys/wrapping/wrap" {
  capabilities = ["update"]
}
path "sys/wrapping/lookup" {
  capabilities = ["update"]
}
path "sys/wrapping/unwrap" {
  capabilities = ["update"]
}

# General-purpose hashing.
path "sys/tools/hash" {
  capabilities = ["update"]
}
path "sys/tools/hash/*" {
  capabilities = ["update"]
}

# The OIDC provider's authorization endpoint.
path "identity/oidc/provider/+/authorize" {
  capabilities = ["read", "update"]
}
`;
