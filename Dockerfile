# Fieldbook: one static binary with its migrations, templates and assets
# embedded. Build: docker build -t fieldbook .
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG BUILD_ID=""
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X fieldbook/static.BuildID=${BUILD_ID}" \
      -o /out/fieldbook ./cmd/fieldbook

# No shell, no package manager; runs as an unprivileged user.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/fieldbook /usr/local/bin/fieldbook
USER nonroot:nonroot
EXPOSE 8080
ENV FIELDBOOK_ADDR=:8080 FIELDBOOK_ENV=production
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD ["/usr/local/bin/fieldbook", "health"]
ENTRYPOINT ["/usr/local/bin/fieldbook"]
CMD ["serve"]
