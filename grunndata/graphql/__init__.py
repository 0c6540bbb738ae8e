"""The GraphQL layer: schema assembly from the registers, the per-request context with its
DataLoaders, error codes, and the self-hosted GraphiQL page."""
