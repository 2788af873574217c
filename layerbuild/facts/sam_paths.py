"""SAM template facts `layerbuild plan --sam --write-template` needs.

RESOURCES_WITH_LOCAL_PATHS: the properties that may name a local path, relative to the template's folder,
per resource type. Source: aws-sam-cli `samcli/lib/utils/resources.py` RESOURCES_WITH_LOCAL_PATHS (1.170),
the table `sam build`/`sam package` rewrite when they move a template; a dotted name is a nested key.
A template written into another folder rewrites them the same way.

DEPENDENCY_MANIFESTS: the files SAM's Python builders install a function's dependencies from
(aws-lambda-builders `python_pip`: requirements.txt; `python_uv` (BuildMethod: python-uv): pyproject.toml
with uv.lock, or requirements.txt). A function whose dependencies moved to layers is staged without them.
"""

RESOURCES_WITH_LOCAL_PATHS: dict[str, tuple[str, ...]] = {
    "AWS::Serverless::GraphQLApi": ("SchemaUri", "CodeUri"),
    "AWS::Serverless::Function": ("CodeUri",),
    "AWS::Serverless::WebFunction": ("CodeUri",),
    "AWS::Serverless::Api": ("DefinitionUri",),
    "AWS::Serverless::HttpApi": ("DefinitionUri",),
    "AWS::Serverless::StateMachine": ("DefinitionUri",),
    "AWS::AppSync::GraphQLSchema": ("DefinitionS3Location",),
    "AWS::AppSync::Resolver": (
        "RequestMappingTemplateS3Location",
        "ResponseMappingTemplateS3Location",
        "CodeS3Location",
    ),
    "AWS::AppSync::FunctionConfiguration": (
        "RequestMappingTemplateS3Location",
        "ResponseMappingTemplateS3Location",
        "CodeS3Location",
    ),
    "AWS::Lambda::Function": ("Code",),
    "AWS::ApiGateway::RestApi": ("BodyS3Location",),
    "AWS::ApiGatewayV2::Api": ("BodyS3Location",),
    "AWS::ElasticBeanstalk::ApplicationVersion": ("SourceBundle",),
    "AWS::CloudFormation::ModuleVersion": ("ModulePackage",),
    "AWS::CloudFormation::ResourceVersion": ("SchemaHandlerPackage",),
    "AWS::CloudFormation::Stack": ("TemplateURL",),
    "AWS::CloudFormation::StackSet": ("TemplateURL",),
    "AWS::Serverless::Application": ("Location",),
    "AWS::Lambda::LayerVersion": ("Content",),
    "AWS::Serverless::LayerVersion": ("ContentUri",),
    "AWS::Glue::Job": ("Command.ScriptLocation",),
    "AWS::StepFunctions::StateMachine": ("DefinitionS3Location",),
}

DEPENDENCY_MANIFESTS = frozenset(
    {"requirements.txt", "pyproject.toml", "uv.lock", "poetry.lock", "Pipfile", "Pipfile.lock", "pylock.toml"}
)

# What `Metadata: BuildMethod` may say for a Python function whose dependencies SAM's own builders install
# (aws-sam-cli samcli/lib/build/workflow_config.py): a makefile function builds itself.
PYTHON_BUILD_METHODS = frozenset({"python3.10", "python3.11", "python3.12", "python3.13", "python3.14", "python-uv"})
