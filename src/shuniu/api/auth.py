class SessionOrToken:  # replaced below
    pass
