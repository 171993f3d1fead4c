"""How the URL walk fills each URL keyword: an object owned by OF 1 (and ordered by Région A).

Every keyword used in a URL pattern must be listed here, so that a new view is walked as soon as it
exists. Values are functions of the test world.
"""

URL_KWARGS = {
    "membership_id": lambda w: w.objects["of1_marked_membership"].pk,
    # Django's password-reset confirmation: a bogus link, which must simply be refused.
    "uidb64": lambda w: "MQ",
    "token": lambda w: "lien-invalide",
}
