"""Import time of a 2,000-resource template (a large CDK stack: the identity pool is a small part).

Target: under one second. Printed beside two baselines in the same run: stdlib json.loads of the
same text (parse only, no lines), and cfn-lint's full decode (every node constructed with marks),
which the importer replaces by constructing only what a pool reads.
Run: python benchmarks/bench_import.py
"""

from __future__ import annotations

import json
import time
from typing import Any

import yaml

from simulator.importers.source import import_text
from simulator.model import pool_from_document

N_RESOURCES = 2000


def _trust(service: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]}  # fmt: skip


def _cognito_trust(amr: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
        "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": {"Ref": "IdentityPool"}},
                      "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr}}}]}  # fmt: skip


def pool_part() -> dict[str, Any]:
    rules = [{"Claim": "cognito:groups", "MatchType": "Contains", "Value": f"team{i}",
              "RoleARN": {"Fn::GetAtt": [f"TeamRole{i}", "Arn"]}} for i in range(20)]  # fmt: skip
    out: dict[str, Any] = {
        "UserPool": {"Type": "AWS::Cognito::UserPool", "Properties": {"Schema": [{"Name": "team", "Mutable": False}]}},
        "WebClient": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {"UserPoolId": {"Ref": "UserPool"}}},
        "IdentityPool": {"Type": "AWS::Cognito::IdentityPool", "Properties": {
            "AllowUnauthenticatedIdentities": False, "AllowClassicFlow": False,
            "CognitoIdentityProviders": [{"ProviderName": {"Fn::GetAtt": ["UserPool", "ProviderName"]},
                                          "ClientId": {"Ref": "WebClient"}}]}},
        "AuthRole": {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": _cognito_trust("authenticated")}},
        "Attachment": {"Type": "AWS::Cognito::IdentityPoolRoleAttachment", "Properties": {
            "IdentityPoolId": {"Ref": "IdentityPool"}, "Roles": {"authenticated": {"Fn::GetAtt": ["AuthRole", "Arn"]}},
            "RoleMappings": {"web": {
                "IdentityProvider": {"Fn::Join": [":", [{"Fn::GetAtt": ["UserPool", "ProviderName"]}, {"Ref": "WebClient"}]]},
                "Type": "Rules", "AmbiguousRoleResolution": "Deny", "RulesConfiguration": {"Rules": rules}}}}},
    }  # fmt: skip
    for i in range(20):
        out[f"TeamRole{i}"] = {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": _cognito_trust("authenticated"),
            "Policies": [{"PolicyName": "data", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                 "Resource": {"Fn::Sub": "${DataBucket0.Arn}/team" + str(i) + "/*"}}]}}]}}  # fmt: skip
    return out


def rest(n: int) -> dict[str, Any]:
    """Functions with their service roles and policies, buckets, tables, queues: what fills a stack."""
    out: dict[str, Any] = {}
    i = 0
    while len(out) < n:
        out[f"Handler{i}ServiceRole"] = {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": _trust("lambda.amazonaws.com"),
            "ManagedPolicyArns": [{"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]]}]},
            "Metadata": {"aws:cdk:path": f"Stack/Handler{i}/ServiceRole/Resource"}}  # fmt: skip
        out[f"Handler{i}DefaultPolicy"] = {"Type": "AWS::IAM::Policy", "Properties": {
            "PolicyName": f"Handler{i}DefaultPolicy", "Roles": [{"Ref": f"Handler{i}ServiceRole"}],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"], "Resource": {"Fn::GetAtt": [f"Table{i}", "Arn"]}}]}},
            "Metadata": {"aws:cdk:path": f"Stack/Handler{i}/ServiceRole/DefaultPolicy/Resource"}}  # fmt: skip
        out[f"Handler{i}"] = {"Type": "AWS::Lambda::Function", "Properties": {
            "Code": {"S3Bucket": {"Fn::Sub": "cdk-assets-${AWS::AccountId}-${AWS::Region}"}, "S3Key": f"{i:064x}.zip"},
            "Handler": "index.handler", "Runtime": "nodejs20.x", "Role": {"Fn::GetAtt": [f"Handler{i}ServiceRole", "Arn"]},
            "Environment": {"Variables": {"TABLE": {"Ref": f"Table{i}"}, "STAGE": "prod"}}},
            "DependsOn": [f"Handler{i}DefaultPolicy", f"Handler{i}ServiceRole"],
            "Metadata": {"aws:cdk:path": f"Stack/Handler{i}/Resource"}}  # fmt: skip
        out[f"Table{i}"] = {"Type": "AWS::DynamoDB::Table", "Properties": {
            "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}],
            "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}], "BillingMode": "PAY_PER_REQUEST"},
            "UpdateReplacePolicy": "Retain", "DeletionPolicy": "Retain"}  # fmt: skip
        out[f"DataBucket{i}"] = {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": f"data-{i}",
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]}}}  # fmt: skip
        i += 1
    return dict(list(out.items())[:n])


def template() -> dict[str, Any]:
    resources = pool_part()
    resources.update(rest(N_RESOURCES - len(resources)))
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}


def timed(label: str, fn: Any, repeat: int = 5, target: float | None = None) -> float:
    """Best of `repeat`, wall clock and CPU (CPU is steadier on a busy machine)."""
    best, cpu = float("inf"), float("inf")
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        best = min(best, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    verdict = "" if target is None else (" ok" if best < target else " OVER TARGET")
    suffix = f" (target < {target * 1000:.0f} ms){verdict}" if target is not None else ""
    print(f"  {label:46s} {best * 1000:7.0f} ms wall {cpu * 1000:7.0f} ms cpu{suffix}")
    return cpu


def main() -> None:
    import cfnlint.decode  # the decoder's own import is paid once per process, like any import

    data = template()
    as_json = json.dumps(data, indent=1)
    as_yaml = yaml.safe_dump(data, sort_keys=False)
    print(
        f"{len(data['Resources'])} resources; JSON {len(as_json) // 1024} KiB, YAML {len(as_yaml) // 1024} KiB"
    )
    for name, text in (("JSON", as_json), ("YAML", as_yaml)):
        print(name)
        importing = timed("rolesim import (decode, evaluate, assemble)",
                          lambda t=text: import_text(t, "stack.template"), target=1.0)  # fmt: skip
        timed("  ... and load the pool (with IAM)",
              lambda t=text: pool_from_document(import_text(t, "stack.template").checked()))  # fmt: skip
        full = timed("baseline: cfn-lint full decode", lambda t=text: cfnlint.decode.decode_str(t))
        if name == "JSON":
            parse = timed("baseline: json.loads (no lines)", lambda t=text: json.loads(t))
            print(f"  import / json.loads = {importing / parse:.1f}x")
        print(f"  import / cfn-lint full decode = {importing / full:.2f}x")
    pool = pool_from_document(import_text(as_json, "stack.template").checked())
    print(f"pool: {len(pool.role_mappings[0].rules)} rules, {len(pool.iam.roles)} IAM roles read")


if __name__ == "__main__":
    main()
