locals {
  authenticated_roles = {
    auth        = { name = "PoolAuth", policy = data.aws_iam_policy_document.read_own_department.json }
    engineering = { name = "PoolEngineering", policy = data.aws_iam_policy_document.engineering.json }
    admin       = { name = "PoolAdmin", policy = data.aws_iam_policy_document.admin.json }
  }
}

# One trust policy per kind of identity; authenticated roles also accept session tags.
data "aws_iam_policy_document" "trust" {
  for_each = toset(["authenticated", "unauthenticated"])

  statement {
    effect  = "Allow"
    actions = each.key == "authenticated" ? ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"] : ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = ["cognito-identity.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "cognito-identity.amazonaws.com:aud"
      values   = [aws_cognito_identity_pool.main.id]
    }

    condition {
      test     = "ForAnyValue:StringLike"
      variable = "cognito-identity.amazonaws.com:amr"
      values   = [each.key]
    }
  }
}

data "aws_iam_policy_document" "read_own_department" {
  statement {
    sid       = "ReadOwnDepartment"
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arn}/&{aws:PrincipalTag/department}/*"]
  }
}

data "aws_iam_policy_document" "engineering" {
  statement {
    sid       = "EngineeringReadWrite"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${local.bucket_arn}/engineering/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:PrincipalTag/department"
      values   = ["engineering"]
    }
  }
}

data "aws_iam_policy_document" "admin" {
  statement {
    sid       = "ManageData"
    actions   = ["s3:*"]
    resources = [local.bucket_arn, "${local.bucket_arn}/*"]
  }

  statement {
    sid       = "NeverDeleteTheBucket"
    effect    = "Deny"
    actions   = ["s3:DeleteBucket"]
    resources = ["*"]
  }
}

resource "aws_iam_role" "authenticated" {
  for_each = local.authenticated_roles

  name               = each.value.name
  assume_role_policy = data.aws_iam_policy_document.trust["authenticated"].json

  inline_policy {
    name   = "${each.key}-data"
    policy = each.value.policy
  }
}

resource "aws_iam_role" "guest" {
  name               = "PoolGuest"
  assume_role_policy = data.aws_iam_policy_document.trust["unauthenticated"].json
}

resource "aws_iam_role_policy" "guest_read" {
  name = "public-read"
  role = aws_iam_role.guest.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "ReadPublic"
      Effect   = "Allow"
      Action   = "s3:GetObject"
      Resource = "${local.bucket_arn}/public/*"
    }]
  })
}

# No signed-in role may remove the data bucket or change who can use it.
resource "aws_iam_policy" "keep_bucket" {
  name   = "${var.app}-keep-bucket"
  policy = <<-EOT
    {
      "Version": "2012-10-17",
      "Statement": [
        {
          "Sid": "KeepTheBucket",
          "Effect": "Deny",
          "Action": ["s3:DeleteBucket", "s3:PutBucketPolicy"],
          "Resource": "${local.bucket_arn}"
        }
      ]
    }
  EOT
}

resource "aws_iam_role_policy_attachment" "keep_bucket" {
  for_each = aws_iam_role.authenticated

  role       = each.value.name
  policy_arn = aws_iam_policy.keep_bucket.arn
}
