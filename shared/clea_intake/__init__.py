"""clea-intake: back office for the Région Nouvelle-Aquitaine CléA certification aid."""
