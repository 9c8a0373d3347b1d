// Credentials for remote Helm charts of a GitRepo, as Fleet reads them: spec.helmSecretName (a
// Secret in the GitRepo's namespace with `username`, `password` and optional `cacerts`),
// spec.helmSecretNameForPaths (a Secret whose `secrets.yaml` maps bundle paths to
// {username, password, caBundle, insecureSkipVerify}) and spec.helmRepoURLRegex.
#pragma once

#include "core/json.h"
#include "core/status.h"
#include "render/bundles/bundles.h"
#include "store/store.h"

namespace flotilla::gitops {

// Fills options->chart_auth, chart_auth_for_paths and helm_repo_url_regex from `gitrepo`.
// FailedPrecondition naming the field and Secret when a named Secret is missing or malformed.
Status HelmAuthFor(store::Store& store, const Json& gitrepo, render::BuildOptions* options);

}  // namespace flotilla::gitops
