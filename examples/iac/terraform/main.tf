# An identity pool in Terraform: the same pool as rules/pool.yaml, written the way a team keeps it.
# rolesim reads this folder as Terraform does (every *.tf file in it); see README.md beside it.

terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }
  }
}

provider "aws" {
  region = var.region
}

data "aws_partition" "current" {}

locals {
  # The identity pool names a user-pool login as "<provider name>:<client id>".
  user_pool_provider = aws_cognito_user_pool.main.endpoint
  mapping_key        = "${local.user_pool_provider}:${aws_cognito_user_pool_client.web.id}"
  bucket_arn         = "arn:${data.aws_partition.current.partition}:s3:::${var.data_bucket}"

  # Evaluated in order: the first matching rule picks the role.
  rules = [
    { claim = "cognito:groups", match_type = "Contains", value = "admins", role = "admin" },
    { claim = "custom:department", match_type = "Equals", value = "engineering", role = "engineering" },
    { claim = "email_verified", match_type = "Equals", value = "true", role = "auth" },
  ]

  groups = {
    admins = { precedence = 1, role = "admin" }
    dev    = { precedence = 10, role = null }
  }
}
