// Python: the Operator's inject-python; musl images need otel-python-platform.
#include "../language_profile.h"

namespace traceassist::instrument {
namespace {

using sv = std::string_view;

constexpr sv kImages[] = {"python", "distroless/python3*", "tiangolo/uvicorn-gunicorn*",
                          "tiangolo/meinheld-gunicorn*", "pypy"};
constexpr sv kWeakImages[] = {"bitnami/python"};
constexpr sv kEnvStrong[] = {"DJANGO_SETTINGS_MODULE", "FLASK_APP", "GUNICORN_CMD_ARGS"};
// PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION is read by Python's protobuf only; LOCUST_* by Locust;
// UVICORN_* and GUNICORN_* by the servers; DJANGO_*, FLASK_* and CELERY_* by the frameworks.
constexpr sv kEnv[] = {"PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE",
                       "PYTHONPATH",       "PYTHONHASHSEED",
                       "PYTHONIOENCODING", "PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION",
                       "LOCUST_*",         "UVICORN_*",
                       "GUNICORN_*",       "DJANGO_*",
                       "FLASK_*",          "CELERY_*"};
// Not "py": cargo, spy, happy-* are words too.
constexpr sv kTokens[] = {"python",   "django",  "flask",  "fastapi",
                          "gunicorn", "uvicorn", "celery", "streamlit"};
constexpr sv kLaunchers[] = {"python",    "python3", "python2", "gunicorn",
                             "uvicorn",   "celery",  "flask",   "django-admin",
                             "hypercorn", "daphne",  "locust",  "streamlit"};
constexpr sv kFiles[] = {".py"};
constexpr sv kAppendedEnv[] = {"PYTHONPATH"};

// Set by the official images in their config (image inspection only).
constexpr sv kImageEnv[] = {"PYTHON_VERSION"};
// Build steps in an image's history that install or build the runtime.
constexpr sv kHistory[] = {"pip install", "pip3 install", "poetry ", "uv sync", "uv pip"};

}  // namespace

extern constinit const LanguageProfile kPythonProfile = [] {
  LanguageProfile p{};
  p.language = Language::kPython;
  p.name = "python";
  p.detection.images = kImages;
  p.detection.weak_images = kWeakImages;
  p.detection.env_strong = kEnvStrong;
  p.detection.env = kEnv;
  p.detection.launchers = kLaunchers;
  p.detection.file_suffixes = kFiles;
  p.detection.image_tokens = kTokens;
  p.detection.versioned_program = "python";
  p.detection.image_env = kImageEnv;
  p.detection.history_words = kHistory;
  p.operator_injection = true;
  p.init_containers = true;
  p.container_names_key = "python-container-names";
  p.appended_env = kAppendedEnv;
  p.musl = PlatformAnnotation{"otel-python-platform", "musl"};
  return p;
}();

}  // namespace traceassist::instrument
