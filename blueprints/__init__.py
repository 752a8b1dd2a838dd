"""One package per surface: platform, auth, portal (public), staff, admin (charity admin), operator."""
