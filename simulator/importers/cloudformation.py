"""CloudFormation templates (and SAM, Serverless and CDK-synthesized ones) as neutral Resources.

IMPORT.md D1-D7: parameters and pseudo parameters (D2, D3), conditions, intrinsics
(simulator.importers.intrinsics), deploy-time identifiers as placeholders built from logical ids
(D4), values no offline reading can know left Unresolved (D5). Only resources a pool can involve are
evaluated, and each of their properties only when the assembler reads it, so a stack of thousands
of functions and buckets costs little more than its parse.

SAM (`Transform: AWS::Serverless-2016-10-31`): the CloudFormation resources in the file are read as
CloudFormation; SAM's own types create no identity pool, role mapping or role a pool hands out, so
they are skipped, and a reference to a resource the transform generates is Unresolved.
Serverless Framework files: `resources` is the template (simulator.importers.serverless).
CDK: `Metadata.aws:cdk:path` is each value's construct.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import msgspec

from simulator.errors import ConfigError, Path, format_path
from simulator.importers.assemble import NESTED_STACKS, Stack, assemble
from simulator.importers.cfn_decode import (
    NOT_PLAIN,
    DecodedTemplate,
    Entry,
    decode,
    file_of,
    line_of,
)
from simulator.importers.foreach import FOR_EACH, Expander, has_loops
from simulator.importers.intrinsics import NO_VALUE, Condition, Depth, Evaluator, Where, concat
from simulator.importers.resources import Resource
from simulator.importers.source import Imported, ImportOptions, Source
from simulator.importers.values import Placeholder, Unresolved
from simulator.model.document import Origin

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"  # Fn::ForEach and the functions it adds
PROCESSED_HINT = (
    "import the processed template instead: aws cloudformation get-template --stack-name NAME "
    "--template-stage Processed"
)
DEFAULT_ACCOUNT = "123456789012"  # D3
DEFAULT_REGION = "us-east-1"  # D3

# Resource types a pool can involve (IMPORT.md "IaC shapes"); custom resources are checked too, as
# one may write the pool's roles or mappings at deploy time (Amplify Gen 1).
POOL_TYPES = frozenset({
    "AWS::Cognito::IdentityPool", "AWS::Cognito::IdentityPoolRoleAttachment",
    "AWS::Cognito::IdentityPoolPrincipalTag", "AWS::Cognito::UserPool",
    "AWS::Cognito::UserPoolClient", "AWS::Cognito::UserPoolGroup",
    "AWS::IAM::Role", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy",
    "AWS::IAM::OIDCProvider", "AWS::IAM::SAMLProvider",
})  # fmt: skip
PSEUDO = (
    "AWS::AccountId", "AWS::Region", "AWS::Partition", "AWS::URLSuffix", "AWS::StackName",
    "AWS::StackId", "AWS::NotificationARNs",
)  # fmt: skip

# Resources whose Ref and Arn CloudFormation documents as built from a name property: known offline
# when the template sets the name (otherwise CloudFormation generates one at deploy time).
# Return values: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-s3-bucket.html
# (and -dynamodb-table, -lambda-function, -sns-topic, -sqs-queue), section "Return values".
_NAMED: dict[str, tuple[str, str, str]] = {  # type -> (name property, Ref, Arn), {p} {r} {a} {n}
    "AWS::S3::Bucket": ("BucketName", "{n}", "arn:{p}:s3:::{n}"),
    "AWS::DynamoDB::Table": ("TableName", "{n}", "arn:{p}:dynamodb:{r}:{a}:table/{n}"),
    "AWS::Lambda::Function": ("FunctionName", "{n}", "arn:{p}:lambda:{r}:{a}:function:{n}"),
    "AWS::SNS::Topic": ("TopicName", "arn:{p}:sns:{r}:{a}:{n}", "arn:{p}:sns:{r}:{a}:{n}"),
    "AWS::SQS::Queue": ("QueueName", "https://sqs.{r}.{s}/{a}/{n}", "arn:{p}:sqs:{r}:{a}:{n}"),
}
_FIELD = re.compile(r"\{([prasn])\}")


def is_custom(resource_type: str) -> bool:
    return (
        resource_type.startswith("Custom::")
        or resource_type == "AWS::CloudFormation::CustomResource"
    )


class TemplateResources(msgspec.Struct, frozen=True):
    """A template read into neutral Resources, before assembly."""

    resources: list[Resource]
    stack: Stack
    notes: tuple[str, ...]
    parameters: frozenset[str]


def read(source: Source, options: ImportOptions) -> Imported:
    found = read_resources(source, options)
    imported = assemble(found.resources, found.stack)
    return Imported(
        imported.document,
        found.stack.format,
        imported.problems,
        (*found.notes, *imported.notes),
        found.parameters,
        found.stack.files,
    )


def read_resources(source: Source, options: ImportOptions) -> TemplateResources:
    assert source.text is not None
    decoded = decode(source.text, source.name)
    settings = _Settings(options.parameters, loops=FOR_EACH in source.text)
    fmt = "cloudformation"
    notes: list[str] = []
    files: tuple[str, ...] = ()
    if "Resources" not in decoded.sections and "service" in decoded.sections:
        from simulator.importers.serverless import serverless_template

        folder = source.path.parent if source.on_disk else None
        sls = serverless_template(decoded, options.parameters, folder)
        decoded = sls.template
        settings = _Settings(
            options.parameters, sls.region, ("resources",), sls.options, bool(sls.read), True
        )
        fmt = "serverless"
        files = sls.paths
        notes.extend(f"read {name} (a ${{file(...)}} of the Serverless file)" for name in sls.read)
        for fragment in sls.included:
            # Read without a fragment, the pool could lack its mappings or roles and pass.
            origin = fragment.origin
            raise ConfigError(
                f"resources include {fragment.construct}: the template cannot be read without it",
                file=origin.file if origin else source.name,
                line=origin.line if origin else None,
                native_path=origin.native_path if origin else "resources",
                hint="import what the framework builds: serverless package, then "
                ".serverless/cloudformation-template-update-stack.json",
            )
    stack = _Stack(decoded, settings, notes)
    if stack.sam:
        fmt = "sam"
    elif stack.cdk:
        fmt = "cdk"
    resources, skipped = stack.pool_resources()
    assembly = Stack(
        source.name,
        region=stack.pseudo("AWS::Region"),
        account=stack.pseudo("AWS::AccountId"),
        pool=options.pool,
        skipped=tuple(skipped),
        format=fmt,
        files=files,
    )
    return TemplateResources(
        resources, assembly, tuple(stack.notes), frozenset(stack.parameter_names())
    )


class _Settings(msgspec.Struct):
    """Values given from outside the template: --parameter, and a Serverless file's region."""

    given: Mapping[str, str]
    region: Any = None  # a Serverless file's provider.region
    prefix: Path = ()  # where the template sits in the file (Serverless: resources)
    options: frozenset[str] = frozenset()  # other names --parameter may set (Serverless ${opt:})
    included: bool = False  # parts of the template were read from other files (${file(...)})
    loops: bool = False  # Fn::ForEach may be written somewhere in the template (its text says)


class _Stack:
    """The Scope references resolve in: parameters, pseudo parameters, resources, conditions."""

    def __init__(self, decoded: DecodedTemplate, settings: _Settings, notes: list[str]) -> None:
        self.decoded = decoded
        self.file = decoded.source
        self.settings = settings
        self.notes = notes
        self.depth = Depth()
        self._params: dict[str, Any] = {}
        self._declared = _mapping_section(decoded, "Parameters")
        self._conditions: dict[str, Condition] = {}
        self._computing: list[str] = []
        self._identity: dict[str, tuple[Any, dict[str, Any]]] = {}
        self._exists: dict[str, bool] = {}
        self._member_files: dict[str, dict[str, str]] = {}  # section -> member -> file
        self.types = {lid: entry.scalar("Type") or "" for lid, entry in decoded.resources.items()}
        transform = decoded.section("Transform")
        self.transforms = (
            transform if isinstance(transform, list) else [transform] if transform else []
        )
        self.sam = SAM_TRANSFORM in self.transforms
        for name in self.transforms:
            if name not in (SAM_TRANSFORM, LANGUAGE_EXTENSIONS):
                # A macro may rewrite any part of the template: read as written, it could pass.
                entry = decoded.sections["Transform"]
                raise ConfigError(
                    f"transform {name} is not applied by rolesim: the template it deploys cannot "
                    "be known from the file",
                    file=self.file,
                    line=entry.line,
                    native_path="Transform",
                    hint=PROCESSED_HINT,
                )
        if "Fn::Transform" in decoded.resources:
            raise ConfigError(
                "Fn::Transform in Resources brings resources from elsewhere (AWS::Include, a "
                "macro), which cannot be read offline",
                file=self.file,
                line=decoded.resources["Fn::Transform"].line,
                native_path=format_path((*settings.prefix, "Resources", "Fn::Transform")),
                hint=PROCESSED_HINT,
            )
        self.cdk = "AWS::CDK::Metadata" in self.types.values()
        self._check_parameters()

    # --- parameters -----------------------------------------------------------------------------

    def parameter_names(self) -> Iterator[str]:
        yield from self.settings.options
        yield from self._declared
        yield from PSEUDO
        yield from self.decoded.resources  # --parameter LogicalId=<physical id> replaces a placeholder

    def _check_parameters(self) -> None:
        # CloudFormation refuses a value outside AllowedValues/AllowedPattern (given or Default)
        # before it creates anything.
        # https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
        for name in self._declared:
            value = self.ref(name, self._where(("Parameters", name), self._declared_line(name)))
            if isinstance(value, Unresolved) and "has no value" in value.construct:
                self.notes.append(
                    f"parameter {name} has no Default and was not given (CloudFormation would "
                    f"require it): values built from it are unresolved; give --parameter {name}=VALUE"
                )
        self._expand_for_each()

    def _expand_for_each(self) -> None:
        """AWS::LanguageExtensions: the Fn::ForEach loops of Resources and Conditions (and inside
        them) expanded before anything reads them, as the transform does (foreach.py)."""
        if LANGUAGE_EXTENSIONS not in self.transforms:
            for lid, entry in self.decoded.resources.items():
                if lid.startswith(FOR_EACH):
                    raise self._where(("Resources", lid), entry.line).error(
                        "Fn::ForEach needs Transform: AWS::LanguageExtensions (CloudFormation "
                        "refuses the template without it)"
                    )
            return
        top = [*self.decoded.resources, *_mapping_section(self.decoded, "Conditions")]
        if not self.settings.loops and not any(k.startswith(FOR_EACH) for k in top):
            return  # nothing to expand: the sections stay unbuilt (a large template's are)
        sections = {name: entry.value() for name, entry in self.decoded.sections.items()}
        expander = Expander(self._collection)
        expanded = False
        for name in ("Conditions", "Resources"):
            section = sections.get(name)
            if isinstance(section, dict) and has_loops(section):
                at = self._where((name,), self.decoded.sections[name].line)
                sections[name] = expander.mapping(section, at, {}, 0)
                expanded = True
        if expanded:
            self.decoded = DecodedTemplate(self.decoded.source, None, sections)
            self.types = {lid: e.scalar("Type") or "" for lid, e in self.decoded.resources.items()}
            self.cdk = "AWS::CDK::Metadata" in self.types.values()

    def _collection(self, node: Any, at: Where) -> Any:
        """An Fn::ForEach collection, in the forms CloudFormation documents: a list (its elements
        evaluated), or a Ref to a CommaDelimitedList or List<...> parameter. Another function is
        refused, not evaluated: whether the transform accepts it is not documented."""
        ref = node.get("Ref") if isinstance(node, dict) and len(node) == 1 else None
        if isinstance(ref, str) and ref in self._declared:
            spec = self._declared[ref]
            if isinstance(spec, dict) and _is_list(str(spec.get("Type", "String"))):
                return self._parameter(ref)
        if not isinstance(node, list):
            raise at.error(
                "an Fn::ForEach collection is a list or a Ref to a CommaDelimitedList parameter "
                "(the forms CloudFormation documents)"
            )
        return Evaluator(self, self.depth).value(node, at)

    def _declared_line(self, name: str) -> int | None:
        entry = self.decoded.sections.get("Parameters")
        value = entry.value() if entry is not None else None
        keys = [k for k in value if k == name] if isinstance(value, dict) else []
        return line_of(keys[0]) if keys else None

    def _parameter(self, name: str) -> Any:
        if name in self._params:
            return self._params[name]
        spec = self._declared[name]
        where = self._where(("Parameters", name), self._declared_line(name))
        if not isinstance(spec, dict):
            raise where.error("a parameter is a mapping with at least Type")
        kind = str(spec.get("Type", "String"))
        given = self.settings.given.get(name)
        default = spec.get("Default")
        raw = given if given is not None else default
        secret = spec.get("NoEcho") in (True, "true", "True")
        if kind.startswith("AWS::SSM::Parameter::Value<"):
            value: Any = where.unresolved(
                f"parameter {name}: the value of SSM parameter {raw!r}, read at deploy time"
            )
        elif raw is None:
            value = where.unresolved(
                f"parameter {name} has no value (give --parameter {name}=VALUE)"
            )
        else:
            text = raw if isinstance(raw, str) else Evaluator(self, self.depth).scalar(
                raw, where, f"parameter {name}'s value")  # fmt: skip
            origin = "--parameter" if given is not None else "Default"
            items = [s.strip() for s in str(text).split(",")] if _is_list(kind) else [str(text)]
            for item in items:
                _check_allowed(name, spec, item, kind, origin, where, secret)
            value = items if _is_list(kind) else str(text)
        self._params[name] = value
        return value

    def pseudo(self, name: str) -> Any:
        given = self.settings.given.get(name)
        if given is not None:
            return given
        if name == "AWS::Region":
            if self.settings.region is not None:
                return self.settings.region
            return Placeholder(DEFAULT_REGION, of="AWS::Region", attribute="default")
        if name == "AWS::AccountId":
            return Placeholder(DEFAULT_ACCOUNT, of="AWS::AccountId", attribute="default")
        region = str(self.pseudo("AWS::Region"))
        if name == "AWS::Partition":
            return (
                "aws-cn"
                if region.startswith("cn-")
                else "aws-us-gov"
                if region.startswith("us-gov-")
                else "aws"
            )
        if name == "AWS::URLSuffix":
            return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
        what = "a list of SNS topic ARNs" if name == "AWS::NotificationARNs" else "no default"
        return Unresolved(f"{name} ({what}; give --parameter {name}=VALUE)")

    # --- the Scope ------------------------------------------------------------------------------

    def ref(self, name: str, at: Where) -> Any:
        if name in self._declared:
            return self._parameter(name)
        if name in PSEUDO:
            return self.pseudo(name)
        if name in self.types:
            return self._resource_identity(name, at)[0]
        return self._missing(f"Ref {name}", name, at)

    def get_att(self, resource: str, attribute: str, at: Where) -> Any:
        if resource not in self.types:
            return self._missing(f"Fn::GetAtt {resource}.{attribute}", resource, at)
        attributes = self._resource_identity(resource, at)[1]
        if attribute in attributes:
            return attributes[attribute]
        kind = self.types[resource]
        what = "custom resource" if is_custom(kind) else kind
        return at.unresolved(f"Fn::GetAtt {resource}.{attribute} ({what}: known at deploy time)")

    def _missing(self, construct: str, name: str, at: Where) -> Any:
        if self.sam:
            return at.unresolved(f"{construct} (not in the file: generated by the SAM transform?)")
        raise at.error(
            f"{construct}: the template has no parameter or resource {name!r}",
            hint="CloudFormation refuses it: Unresolved resource dependencies",
        )

    def condition(self, name: str, at: Where) -> Condition:
        if name in self._conditions:
            return self._conditions[name]
        section = _mapping_section(self.decoded, "Conditions")
        if name not in section:
            raise at.error(f"no condition {name!r} in Conditions")
        key = f"condition {name}"
        self._enter(key, at)
        try:
            got = Evaluator(self, self.depth).condition(
                section[name], self._where(("Conditions", name), line_of(section[name]))
            )
        finally:
            self._computing.pop()
        self._conditions[name] = got
        return got

    def find_in_map(self, names: tuple[str, str, str], default: Any, at: Where) -> Any:
        maps = _mapping_section(self.decoded, "Mappings")
        node: Any = maps
        for i, key in enumerate(names):
            if not isinstance(node, dict) or key not in node:
                if default is not NO_VALUE:
                    return default
                where = "Mappings" + "".join(f"[{n!r}]" for n in names[:i])
                raise at.error(f"Fn::FindInMap: {where} has no key {key!r}")
            node = node[key]
        return Evaluator(self, self.depth).value(
            node, self._where(("Mappings", *names), line_of(node))
        )

    def _enter(self, key: str, at: Where) -> None:
        if key in self._computing:
            chain = " -> ".join([*self._computing[self._computing.index(key) :], key])
            raise at.error(f"circular reference: {chain}")
        self._computing.append(key)

    def _where(self, native: Path, line: int | None, construct: str | None = None) -> Where:
        file = self._file_of(native)
        prefix = self.settings.prefix if file == self.file else ()
        return Where(file, (*prefix, *native), line, construct)

    def _file_of(self, native: Path) -> str:
        """The file a section's member (a resource, a condition) was read from: a Serverless
        file's resources may come from the files it includes."""
        if not self.settings.included or len(native) < 2:
            return self.file
        name = str(native[0])
        if name not in self._member_files:
            section = self.decoded.section(name)  # constructed: a Serverless template
            members = section if isinstance(section, dict) else {}
            self._member_files[name] = {str(k): file_of(k) or self.file for k in members}
        return self._member_files[name].get(str(native[1]), self.file)

    # --- resources ------------------------------------------------------------------------------

    def exists(self, lid: str) -> bool:
        if lid in self._exists:
            return self._exists[lid]
        entry = self.decoded.resources[lid]
        name = entry.scalar("Condition")
        holds: Condition = True
        if name is not None:
            holds = self.condition(name, self._where(("Resources", lid, "Condition"), entry.line))
        if isinstance(holds, Unresolved):
            raise self._where(("Resources", lid, "Condition"), entry.line).error(
                f"whether {lid} exists depends on condition {name}, which cannot be decided: "
                f"{holds.construct}"
            )
        self._exists[lid] = holds
        return holds

    def _resource_identity(self, lid: str, at: Where) -> tuple[Any, dict[str, Any]]:
        """D4: what Ref and GetAtt of resource `lid` give, built from its logical id and names."""
        if lid in self._identity:
            return self._identity[lid]
        kind = self.types[lid]
        if not self.exists(lid):
            condition = self.decoded.resources[lid].scalar("Condition")
            raise at.error(f"{lid} is not created (its condition {condition} is false)")
        self._enter(lid, at)
        try:
            found = self._identify(lid, kind)
        finally:
            self._computing.pop()
        self._identity[lid] = found
        return found

    def _identify(self, lid: str, kind: str) -> tuple[Any, dict[str, Any]]:
        region, account = self.pseudo("AWS::Region"), self.pseudo("AWS::AccountId")
        partition, suffix = self.pseudo("AWS::Partition"), self.pseudo("AWS::URLSuffix")
        given = self.settings.given.get(lid)  # the deployed physical id, replacing the placeholder
        prop = self._name_property(lid)

        def own(text: str, attribute: str) -> Any:
            return given if given is not None else Placeholder(text, of=lid, attribute=attribute)

        def built(parts: list[Any], attribute: str, base: Any) -> Any:
            text = concat(parts)
            if isinstance(base, Placeholder) and isinstance(text, str):
                return Placeholder(text, of=base.of, attribute=attribute)
            return text

        if kind == "AWS::Cognito::UserPool":
            pool_id = own(concat([region, "_", lid]), "Ref")
            provider = built(
                ["cognito-idp.", region, ".", suffix, "/", pool_id], "ProviderName", pool_id
            )
            return pool_id, {
                "ProviderName": provider,
                "ProviderURL": built(["https://", provider], "ProviderURL", pool_id),
                "Arn": built(["arn:", partition, ":cognito-idp:", region, ":", account, ":userpool/", pool_id], "Arn", pool_id),
                "UserPoolId": pool_id,
            }  # fmt: skip
        if kind == "AWS::Cognito::UserPoolClient":
            client = own(lid, "Ref")
            return client, {"ClientId": client, "Name": prop("ClientName", lid)}
        if kind == "AWS::Cognito::IdentityPool":
            pool = own(concat([region, ":", lid]), "Ref")
            return pool, {"Id": pool, "Name": prop("IdentityPoolName", None)}
        if kind == "AWS::Cognito::UserPoolGroup":
            return (given or prop("GroupName", Placeholder(lid, of=lid, attribute="Ref"))), {}
        if kind in ("AWS::IAM::Role", "AWS::IAM::ManagedPolicy"):
            name_key, what = (
                ("RoleName", "role")
                if kind == "AWS::IAM::Role"
                else ("ManagedPolicyName", "policy")
            )
            name = given or prop(name_key, Placeholder(lid, of=lid, attribute="Ref"))
            path = prop("Path", "/")
            if isinstance(name, Unresolved) or isinstance(path, Unresolved):
                arn: Any = name if isinstance(name, Unresolved) else path
            else:
                arn = built(
                    [
                        "arn:",
                        partition,
                        ":iam::",
                        account,
                        f":{what}/",
                        str(path).lstrip("/"),
                        name,
                    ],
                    "Arn",
                    name,
                )
            if kind == "AWS::IAM::ManagedPolicy":
                return arn, {"PolicyArn": arn}
            return name, {"Arn": arn}  # fmt: skip
        if kind == "AWS::IAM::OIDCProvider":
            url = prop("Url", None)
            if isinstance(url, Unresolved) or url is None:
                arn = url if url is not None else Unresolved(f"Ref {lid} (no Url)")
            else:
                host = str(url).removeprefix("https://")
                arn = given or built(
                    ["arn:", partition, ":iam::", account, ":oidc-provider/", host], "Arn", account
                )
            return arn, {"Arn": arn}  # fmt: skip
        if kind == "AWS::IAM::SAMLProvider":
            name = prop("Name", Placeholder(lid, of=lid, attribute="Ref"))
            arn = given or built(
                ["arn:", partition, ":iam::", account, ":saml-provider/", name], "Arn", name
            )
            return arn, {"Arn": arn}  # fmt: skip
        what = "custom resource" if is_custom(kind) else kind
        if given is not None:
            return given, {}
        if kind in _NAMED:
            key, ref_form, arn_form = _NAMED[kind]
            name = prop(key, None)
            if name is not None:
                fields = {"p": partition, "r": region, "a": account, "s": suffix, "n": name}

                def form(text: str) -> Any:
                    pieces = _FIELD.split(text)  # literal, field, literal, ...
                    return concat([fields[x] if i % 2 else x for i, x in enumerate(pieces)])

                return form(ref_form), {"Arn": form(arn_form)}
        return Unresolved(f"Ref {lid} ({what}: its physical id is assigned at deploy time)"), {}

    def _name_property(self, lid: str) -> Callable[[str, Any], Any]:
        resource = self.decoded.resources[lid]
        peek = self._peeker(lid)

        def prop(key: str, default: Any) -> Any:
            plain = resource.plain_at("Properties", key)
            try:
                got = peek(key, plain) if plain is not NOT_PLAIN else NOT_PLAIN
            except ConfigError:
                got = NOT_PLAIN  # read it again with lines, to report it where it is written
            if got is NOT_PLAIN:
                entry = (resource.members("Properties") or {}).get(key)
                if entry is None:
                    return default
                where = self._resource_where(lid, key, entry)
                got = Evaluator(self, self.depth).value(entry.value(), where)
            if got is NO_VALUE or got is None:
                return default
            if isinstance(got, bool) or not isinstance(got, str | int | Unresolved):
                where = self._where(
                    ("Resources", lid, "Properties", key), resource.line, self.construct(lid)
                )
                raise where.error(f"{key} must be a string")
            return got if isinstance(got, str | Unresolved) else str(got)

        return prop

    def _resource_where(self, lid: str, key: str, entry: Entry) -> Where:
        return self._where(("Resources", lid, "Properties", key), entry.line, self.construct(lid))

    def construct(self, lid: str) -> str | None:
        return self.decoded.resources[lid].scalar("Metadata", "aws:cdk:path")

    def pool_resources(self) -> tuple[list[Resource], list[tuple[str, str, str]]]:
        """Every resource a pool can involve that the template creates; (id, type, why) of those
        it does not (a false Condition)."""
        out: list[Resource] = []
        skipped: list[tuple[str, str, str]] = []
        for lid, entry in self.decoded.resources.items():
            kind = self.types[lid]
            if kind not in POOL_TYPES and not is_custom(kind) and kind not in NESTED_STACKS:
                continue
            if not self.exists(lid):
                skipped.append((lid, kind, f"its condition {entry.scalar('Condition')} is false"))
                continue
            ref, attributes = self._resource_identity(
                lid, self._where(("Resources", lid), entry.line)
            )
            construct = self.construct(lid)
            at = self._where(("Resources", lid), entry.line, construct)
            members = entry.members("Properties") or {}
            if "Fn::Transform" in members:
                # AWS::Include merges properties from S3 (a Policies list, a mapping) into these.
                raise (
                    at.at("Properties")
                    .at("Fn::Transform", members["Fn::Transform"].line)
                    .error(
                        f"Fn::Transform brings properties of {lid} from elsewhere (AWS::Include, a "
                        "macro), which cannot be read offline",
                        hint=PROCESSED_HINT,
                    )
                )
            # A property the resource leaves out is reported at the resource.
            origins: dict[Path, Origin] = {(): at.at("Properties").origin()}
            properties = LazyProperties(entry, self._evaluator(lid, origins), self._peeker(lid))
            out.append(Resource(
                kind, lid, properties, ref, at.origin(), origins, attributes=attributes,
            ))  # fmt: skip
        return out, skipped

    def _peeker(self, lid: str) -> Callable[[str, Any], Any]:
        resource = self.decoded.resources[lid]

        def peek(key: str, plain: Any) -> Any:
            native = ("Resources", lid, "Properties", key)
            return Evaluator(self, self.depth).value(
                plain, self._where(native, resource.line, self.construct(lid))
            )

        return peek

    def _evaluator(self, lid: str, origins: dict[Path, Origin]) -> Callable[[str, Entry], Any]:
        def evaluate(key: str, entry: Entry) -> Any:
            evaluator = Evaluator(self, self.depth, origins)
            return evaluator.value(entry.value(), self._resource_where(lid, key, entry), (key,))

        return evaluate


class LazyProperties(Mapping[str, Any]):
    """A resource's properties, each evaluated when first read (the assembler reads few of most).

    `peek(key)` evaluates a property without recording where its parts were written, from the
    decoder's plain value where that is cheaper: enough to decide whether the resource matters
    (does this role trust Cognito, does this policy attach to that role)."""

    def __init__(
        self,
        resource: Entry,
        evaluate: Callable[[str, Entry], Any],
        peek: Callable[[str, Any], Any],
    ) -> None:
        self._resource = resource
        self._evaluate = evaluate
        self._peek = peek
        self._found: Mapping[str, Entry] | None = None
        self._values: dict[str, Any] = {}
        self._peeked: dict[str, Any] = {}

    @property
    def _members(self) -> Mapping[str, Entry]:
        if self._found is None:
            self._found = self._resource.members("Properties") or {}
        return self._found

    def peek(self, key: str) -> Any:
        if key in self._values:
            return None if self._values[key] is NO_VALUE else self._values[key]
        if key not in self._peeked:
            plain = self._resource.plain_at("Properties", key)
            if plain is NOT_PLAIN:
                self._peeked[key] = self.get(key)
            else:
                try:
                    self._peeked[key] = None if plain is None else self._peek(key, plain)
                except ConfigError:
                    self._peeked[key] = self.get(key)  # the full reading reports it at its line
        got = self._peeked[key]
        return None if got is NO_VALUE else got

    def _get(self, key: str) -> Any:
        if key not in self._values:
            self._values[key] = self._evaluate(key, self._members[key])
        return self._values[key]

    def __getitem__(self, key: str) -> Any:
        value = self._get(key)  # KeyError for a property the template does not set
        if value is NO_VALUE or value is None:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        return (
            k for k in self._members if self._get(k) is not NO_VALUE and self._get(k) is not None
        )

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _mapping_section(decoded: DecodedTemplate, name: str) -> dict[str, Any]:
    value = decoded.section(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        entry = decoded.sections[name]
        raise ConfigError(f"{name} must be a mapping", file=decoded.source,
                          line=entry.line, native_path=name)  # fmt: skip
    return {str(k): v for k, v in value.items()}


def _is_list(kind: str) -> bool:
    return kind == "CommaDelimitedList" or kind.startswith("List<")


def _check_allowed(
    name: str,
    spec: Mapping[str, Any],
    value: str,
    kind: str,
    origin: str,
    where: Where,
    secret: bool,
) -> None:
    shown = "the value" if secret else repr(value)
    allowed = spec.get("AllowedValues")
    if isinstance(allowed, list) and value not in [str(a) for a in allowed]:
        raise where.error(
            f"parameter {name}: {shown} ({origin}) is not one of AllowedValues "
            f"{[str(a) for a in allowed]}; CloudFormation refuses the stack before creating anything"
        )
    pattern = spec.get("AllowedPattern")
    if isinstance(pattern, str):
        try:
            matched = re.fullmatch(pattern, value) is not None
        except re.error as exc:
            raise where.error(
                f"parameter {name}: AllowedPattern is not a valid pattern ({exc})"
            ) from None
        if not matched:
            raise where.error(
                f"parameter {name}: {shown} ({origin}) does not match AllowedPattern {pattern!r}; "
                "CloudFormation refuses the stack before creating anything",
                hint=str(spec.get("ConstraintDescription") or "") or None,
            )
    bounds = (("MinLength", lambda n: len(value) >= n), ("MaxLength", lambda n: len(value) <= n))
    if kind.endswith(("Number", "Number>")):
        try:
            number = float(value)
        except ValueError:
            raise where.error(f"parameter {name}: {shown} ({origin}) is not a number") from None
        bounds = (("MinValue", lambda n: number >= n), ("MaxValue", lambda n: number <= n))
    for key, ok in bounds:
        limit = spec.get(key)
        if limit is None:
            continue
        try:
            bound = float(limit)
        except (TypeError, ValueError):
            raise where.error(f"parameter {name}: {key} must be a number") from None
        if not ok(bound):  # type: ignore[no-untyped-call]
            raise where.error(f"parameter {name}: {shown} ({origin}) breaks {key} {limit}")
