resource "aws_cognito_user_pool" "main" {
  name = "${var.app}-users"

  schema {
    name                     = "department"
    attribute_data_type      = "String"
    mutable                  = true
    developer_only_attribute = false
    string_attribute_constraints {
      min_length = 1
      max_length = 64
    }
  }
}

resource "aws_cognito_user_pool_client" "web" {
  name                = "${var.app}-web"
  user_pool_id        = aws_cognito_user_pool.main.id
  explicit_auth_flows = ["ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"]
  read_attributes     = ["email", "email_verified", "name", "custom:department"]
  write_attributes    = ["email", "name"]
}

resource "aws_cognito_user_group" "group" {
  for_each = local.groups

  name         = each.key
  user_pool_id = aws_cognito_user_pool.main.id
  precedence   = each.value.precedence
  role_arn     = each.value.role == null ? null : aws_iam_role.authenticated[each.value.role].arn
}

resource "aws_cognito_identity_pool" "main" {
  identity_pool_name               = var.app
  allow_unauthenticated_identities = var.allow_guests
  allow_classic_flow               = false

  cognito_identity_providers {
    client_id               = aws_cognito_user_pool_client.web.id
    provider_name           = local.user_pool_provider
    server_side_token_check = false
  }

  supported_login_providers = {
    "accounts.google.com" = var.google_client_id
  }
}

resource "aws_cognito_identity_pool_roles_attachment" "main" {
  identity_pool_id = aws_cognito_identity_pool.main.id

  roles = {
    authenticated   = aws_iam_role.authenticated["auth"].arn
    unauthenticated = aws_iam_role.guest.arn
  }

  role_mapping {
    identity_provider         = local.mapping_key
    type                      = "Rules"
    ambiguous_role_resolution = "Deny"

    dynamic "mapping_rule" {
      for_each = local.rules
      content {
        claim      = mapping_rule.value.claim
        match_type = mapping_rule.value.match_type
        value      = mapping_rule.value.value
        role_arn   = aws_iam_role.authenticated[mapping_rule.value.role].arn
      }
    }
  }
}

resource "aws_cognito_identity_pool_provider_principal_tag" "main" {
  identity_pool_id       = aws_cognito_identity_pool.main.id
  identity_provider_name = local.user_pool_provider
  use_defaults           = false
  principal_tags = {
    department = "custom:department"
    username   = "cognito:username"
  }
}
