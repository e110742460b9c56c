/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // The standalone output is what the container image ships (see Dockerfile).
  output: 'standalone',
};

export default nextConfig;
