# syntax=docker/dockerfile:1
# One image for every role: the entry point is the `autoscaler` binary and the container's command picks the
# verb (`webapp`, `gateway`, `scaler`, `load`, ...), so a replica, the gateway and the scaler run the same image.
#
#   docker build -t autoscaler:latest .
#   docker run --rm autoscaler:latest webapp --urls http://0.0.0.0:8000
#
# deploy/compose/docker-compose.yml builds it as autoscaler:latest. Stages:
#   projects  the project files alone, so a code change does not invalidate the restore layer
#   publish   restores and publishes src/Autoscaler.Cli to /out (the only stage that needs the SDK, and npm)
#   base      the ASP.NET Core runtime, the tools the scaler's targets call, deploy/; runs as a non-root user
#   prebuilt  base + the output of scripts/build.sh on Linux (.autoscaler/bin), for machines where NuGet cannot
#             be reached from a build container (the container tests, tests/containers/run.sh):
#               scripts/build.sh && docker build --target prebuilt -t autoscaler:latest .
#             BuildKit (Docker's default builder) and buildah build it only when it is the target; the legacy
#             builder (DOCKER_BUILDKIT=0) builds every stage and would need .autoscaler/bin for the default build too.
#   runtime   base + /out of the publish stage: the default (last) stage

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS projects
WORKDIR /src
COPY src/ src/
RUN find src -type f ! -name '*.csproj' -delete

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS publish
# npm: the build runs `npm ci` for the web console's chart library (src/Autoscaler.Scaler/Console/web).
RUN apt-get update \
    && apt-get install -y --no-install-recommends nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY eng/ eng/
COPY --from=projects /src/src/ src/
RUN dotnet restore src/Autoscaler.Cli/Autoscaler.Cli.csproj
COPY src/ src/
COPY deploy/ deploy/
RUN dotnet publish src/Autoscaler.Cli/Autoscaler.Cli.csproj -c Release --no-restore -o /out

# The Docker CLI and its Compose plugin, for the scaler's compose and ansible targets (they talk to the engine
# through the socket the Compose file mounts); static binaries, so they run on the Ubuntu runtime image.
FROM docker:27.5.1-cli AS docker-cli

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS base
# curl: the Compose health checks. ansible-core: the scaler's ansible target (deploy/ansible/playbook-scale.yml).
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl ansible-core \
    && rm -rf /var/lib/apt/lists/*
COPY --from=docker-cli /usr/local/bin/docker /usr/local/bin/docker
COPY --from=docker-cli /usr/local/libexec/docker/cli-plugins/docker-compose /usr/local/libexec/docker/cli-plugins/docker-compose
# Playbooks, alert rules and policies, where `autoscaler` and the Compose file expect them.
COPY deploy/ /app/deploy/
# /app/autoscaler itself comes with the application, in the last stage.
RUN ln -s /app/autoscaler /usr/local/bin/autoscaler
WORKDIR /app
# Every verb is told where to listen (--urls); the image's default HTTP port would only add a warning.
ENV ASPNETCORE_HTTP_PORTS= \
    DOTNET_NOLOGO=1
EXPOSE 8000 8080
# The non-root user of the .NET images (uid 1654). The Compose file runs only the scaler as root, for the Docker socket.
USER $APP_UID
ENTRYPOINT ["autoscaler"]
CMD ["--help"]

FROM base AS prebuilt
COPY .autoscaler/bin/ /app/

FROM base AS runtime
COPY --from=publish /out/ /app/
