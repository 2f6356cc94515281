# syntax=docker/dockerfile:1
# rotor's container image: `rotor run` on debian:bookworm-slim, as user 65532.
#
# NOTE: this file has never been built here — the development machines and CI have
# a Docker client but no Docker engine. Build it where one runs:
#   docker build -t ghcr.io/rotor-dev/rotor:0.1.0 .
# The build stage installs the same -dev packages as scripts/setup (less the test and
# demo tools), so the binary links against exactly the libraries listed in the runtime
# stage (checked with `ldd` on a scripts/setup machine).

# ---- build --------------------------------------------------------------------
FROM debian:bookworm AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config \
      nlohmann-json3-dev libyaml-cpp-dev libboost1.81-dev libboost-program-options1.81-dev \
      libboost-system1.81-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Only what the CMake configure step globs or names (see .dockerignore).
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DROTOR_BUILD_TESTS=OFF \
 && cmake --build /build --target rotor \
 && strip /build/rotor \
 && /build/rotor --help >/dev/null

# ---- runtime ------------------------------------------------------------------
FROM debian:bookworm-slim
# Shared libraries of `rotor` (nlohmann-json and Beast are header-only), CA certificates
# for the cloud APIs, and tzdata for rotation schedules with a time zone.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libyaml-cpp0.7 libboost-program-options1.81.0 libssl3 \
      ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /build/rotor /usr/local/bin/rotor
# The numeric id matches the Deployment's runAsUser, so runAsNonRoot can verify it.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/rotor"]
CMD ["run", "--log-format", "json"]
