variable "region" {
  type    = string
  default = "us-east-1"
}

variable "app" {
  type        = string
  default     = "example"
  description = "Prefix of every name"
}

variable "data_bucket" {
  type    = string
  default = "example-data"
}

variable "google_client_id" {
  type    = string
  default = "123456789012-abcdefg.apps.googleusercontent.com"
}

variable "allow_guests" {
  type    = bool
  default = true
}
