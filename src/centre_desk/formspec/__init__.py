"""formspec"""
